import Foundation
import RecordStorage
import WebSocketTransport
import YAMLReader

/// Reads a YAML (or JSON) configuration file, applies `STREAM_COLLECTOR_*` environment overrides,
/// and validates every key.
///
/// Each key `a.b_c` can be overridden by the variable `STREAM_COLLECTOR_A_B_C`; lists in variables
/// are comma-separated. Unknown keys are errors, so a typo never silently falls back to a default.
public enum ConfigurationLoader {
    /// The environment-variable prefix for overrides.
    public static let environmentPrefix = "STREAM_COLLECTOR_"

    /// Every key with its default (the text shown in `config/stream-collector.yaml`).
    static let defaults: [(key: String, value: Setting)] = [
        ("endpoint", .scalar("wss://fstream.binance.com/market")),
        ("streams", .list(["!assetIndex@arr", "!contractInfo"])),
        ("symbols", .list([])),
        ("output.directory", .scalar("/var/lib/stream-collector")),
        ("output.rotate_bytes", .scalar("268435456")),
        ("output.rotate_seconds", .scalar("3600")),
        ("output.fsync_interval_ms", .scalar("1000")),
        ("output.buffer_bytes", .scalar("67108864")),
        ("output.compress", .scalar("true")),
        ("output.compress_after_seconds", .scalar("600")),
        ("output.retain_days", .scalar("0")),
        ("output.retain_bytes", .scalar("0")),
        ("metrics.listen", .scalar("127.0.0.1:9464")),
        ("tls.ca_file", .scalar("")),
        ("rest.endpoint", .scalar("https://fapi.binance.com")),
        ("rest.weight_per_minute", .scalar("1200")),
        ("rest.timeout_seconds", .scalar("10")),
        ("rest.retry.initial_delay_ms", .scalar("1000")),
        ("rest.retry.max_delay_ms", .scalar("60000")),
        ("rest.sources", .entries([])),
        ("stale_after_seconds", .scalar("30")),
        ("renew_after_seconds", .scalar("84600")),
        ("max_frame_bytes", .scalar("1048576")),
        ("reconnect.initial_delay_ms", .scalar("500")),
        ("reconnect.max_delay_ms", .scalar("30000")),
        ("subscribe_interval_ms", .scalar("300")),
        ("streams_per_connection", .scalar("200")),
        ("connect_timeout_seconds", .scalar("10")),
        ("validity.ping_after_seconds", .scalar("30")),
        ("validity.hangup_after_seconds", .scalar("40")),
        ("inflight_bytes", .scalar("2097152")),
        ("log_level", .scalar("info")),
    ]

    enum Setting: Sendable {
        case scalar(String)
        case list([String])
        /// A list of mappings (`rest.sources`), validated by its own parser; no environment override.
        case entries([YAMLNode])
    }

    /// Loads `path` (nil: defaults only) and the environment.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> CollectorConfiguration {
        var text = ""
        if let path {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
            }
        }
        return try parse(yaml: text, environment: environment)
    }

    /// Parses configuration text (YAML or JSON) and applies the environment.
    public static func parse(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> CollectorConfiguration {
        var settings = Dictionary(uniqueKeysWithValues: defaults.map { ($0.key, $0.value) })
        let node: YAMLNode?
        do {
            node = try YAMLNode.compose(yaml: yaml)
        } catch {
            throw .syntax("\(error)")
        }
        if let node {
            guard node.mapping != nil else { throw .syntax("the top level must be a mapping of keys to values") }
            try flatten(node, prefix: "", into: &settings)
        }
        for (key, _) in defaults {
            let variable = environmentPrefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
            guard let value = environment[variable] else { continue }
            if case .entries = settings[key] { continue }
            if case .list = settings[key] {
                settings[key] = .list(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            } else {
                settings[key] = .scalar(value)
            }
        }
        return try validate(Reader(settings: settings), environment: environment)
    }

    private static func flatten(_ node: YAMLNode, prefix: String, into settings: inout [String: Setting]) throws(ConfigurationError) {
        guard let mapping = node.mapping else { return }
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { throw .syntax("a key is not text") }
            let key = prefix.isEmpty ? name : "\(prefix).\(name)"
            if case .entries = settings[key] {
                if let sequence = value.sequence {
                    settings[key] = .entries(Array(sequence))
                } else if let scalar = value.scalar, ["", "~", "null"].contains(scalar.string) {
                    settings[key] = .entries([])
                } else {
                    throw .invalid(key: key, value: describe(value), expected: "a list of mappings, e.g. - endpoint: https://fapi.binance.com/fapi/v1/assetIndex")
                }
                continue
            }
            if value.mapping != nil {
                guard defaults.contains(where: { $0.key.hasPrefix(key + ".") }) else { throw .unknownKey(key) }
                try flatten(value, prefix: key, into: &settings)
                continue
            }
            guard let expected = settings[key] else { throw .unknownKey(key) }
            switch (expected, value) {
            case (.list, .sequence(let sequence)):
                var items: [String] = []
                for item in sequence {
                    guard let text = item.scalar?.string else {
                        throw .invalid(key: key, value: describe(item), expected: "a list of text values")
                    }
                    items.append(text)
                }
                settings[key] = .list(items)
            case (.list, .scalar(let scalar)) where scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null":
                settings[key] = .list([])
            case (.list, _):
                throw .invalid(key: key, value: describe(value), expected: "a list, e.g. [\"a\", \"b\"]")
            case (.scalar, .scalar(let scalar)):
                settings[key] = .scalar(scalar.string == "~" || scalar.string == "null" ? "" : scalar.string)
            case (.scalar, _):
                throw .invalid(key: key, value: describe(value), expected: "a single value")
            case (.entries, _):
                preconditionFailure("entries are handled above")
            }
        }
    }

    /// A node as the user wrote it: a scalar's text, or the YAML of a list or mapping.
    static func describe(_ node: YAMLNode) -> String {
        node.scalar?.string ?? node.flowText
    }

    private static func validate(_ reader: Reader, environment: [String: String]) throws(ConfigurationError) -> CollectorConfiguration {
        let endpoint = try reader.endpoint("endpoint")
        let streams = try reader.list("streams").map { stream throws(ConfigurationError) in
            try StreamName.validated(stream, key: "streams")
        }
        let symbols = try reader.list("symbols").map { symbol throws(ConfigurationError) in
            try StreamName.validatedSymbol(symbol, key: "symbols")
        }
        let storage = StorageConfiguration(
            directory: try reader.text("output.directory", nonEmpty: true),
            rotateBytes: try reader.integer("output.rotate_bytes", in: 4096...(1 << 40)),
            rotateSeconds: try reader.integer("output.rotate_seconds", in: 1...(7 * 86_400)),
            fsyncIntervalMilliseconds: try reader.integer("output.fsync_interval_ms", in: 0...3_600_000),
            bufferBytes: try reader.integer("output.buffer_bytes", in: 65_536...(1 << 36)),
            compressAfterSeconds: try reader.boolean("output.compress") ? try reader.integer("output.compress_after_seconds", in: 1...(30 * 86_400)) : nil,
            retainDays: try reader.integer("output.retain_days", in: 0...36_500).nonZero,
            retainBytes: try reader.integer("output.retain_bytes", in: 0...(1 << 50)).nonZero)
        let metricsListen = try reader.text("metrics.listen", nonEmpty: false)
        let metrics: ListenAddress?
        if metricsListen.isEmpty {
            metrics = nil
        } else if let address = ListenAddress(metricsListen) {
            metrics = address
        } else {
            throw .invalid(key: "metrics.listen", value: metricsListen, expected: "HOST:PORT such as 127.0.0.1:9464 (port 0: any free port), or empty for no metrics endpoint")
        }
        let caFile = try reader.text("tls.ca_file", nonEmpty: false)
        if !caFile.isEmpty, !FileManager.default.isReadableFile(atPath: caFile) {
            throw .invalid(key: "tls.ca_file", value: caFile, expected: "a readable PEM file (or empty for the system store only)")
        }
        let ping = try reader.integer("validity.ping_after_seconds", in: 1...3600)
        let hangup = try reader.integer("validity.hangup_after_seconds", in: 2...3600)
        guard ping < hangup else {
            throw .invalid(key: "validity.hangup_after_seconds", value: String(hangup), expected: "more than validity.ping_after_seconds (\(ping)); otherwise lws hangs up without pinging")
        }
        let initialDelay = try reader.integer("reconnect.initial_delay_ms", in: 10...600_000)
        let maxDelay = try reader.integer("reconnect.max_delay_ms", in: 10...3_600_000)
        guard initialDelay <= maxDelay else {
            throw .invalid(key: "reconnect.max_delay_ms", value: String(maxDelay), expected: "at least reconnect.initial_delay_ms (\(initialDelay))")
        }
        let rest = try reader.text("rest.endpoint", nonEmpty: false)
        if !rest.isEmpty {
            do {
                _ = try NetworkTarget(url: rest, accepting: NetworkTarget.Scheme.web)
            } catch {
                throw .invalid(key: "rest.endpoint", value: rest, expected: "an http:// or https:// URL such as https://fapi.binance.com, or empty for no snapshots")
            }
        }
        let weightPerMinute = try reader.integer("rest.weight_per_minute", in: 10...100_000)
        let sources = try RestSourceParser.parse(reader.entries("rest.sources"), weightPerMinute: weightPerMinute)
        let retryInitial = try reader.integer("rest.retry.initial_delay_ms", in: 10...600_000)
        let retryMaximum = try reader.integer("rest.retry.max_delay_ms", in: 10...3_600_000)
        guard retryInitial <= retryMaximum else {
            throw .invalid(key: "rest.retry.max_delay_ms", value: String(retryMaximum), expected: "at least rest.retry.initial_delay_ms (\(retryInitial))")
        }
        let polling = RestPollingConfiguration(
            sources: sources, weightPerMinute: weightPerMinute,
            timeoutSeconds: try reader.integer("rest.timeout_seconds", in: 1...300),
            retryInitialDelayMilliseconds: retryInitial, retryMaxDelayMilliseconds: retryMaximum)
        let configuration = CollectorConfiguration(
            endpoint: endpoint, streams: streams, symbols: symbols, storage: storage,
            restEndpoint: rest.isEmpty ? nil : rest, rest: polling,
            metricsListen: metrics,
            caFile: caFile.isEmpty ? nil : caFile,
            staleAfterSeconds: try reader.integer("stale_after_seconds", in: 2...86_400),
            renewAfterSeconds: try reader.integer("renew_after_seconds", in: 2...86_000),
            maxFrameBytes: try reader.integer("max_frame_bytes", in: 1024...(1 << 30)),
            reconnectInitialDelayMilliseconds: initialDelay, reconnectMaxDelayMilliseconds: maxDelay,
            subscribeIntervalMilliseconds: try reader.integer("subscribe_interval_ms", in: 0...60_000),
            streamsPerConnection: try reader.integer("streams_per_connection", in: 1...1024),
            connectTimeoutSeconds: try reader.integer("connect_timeout_seconds", in: 1...300),
            pingAfterSeconds: ping, hangupAfterSeconds: hangup,
            inflightBytes: try reader.integer("inflight_bytes", in: 65_536...(1 << 34)),
            logLevel: try reader.choice("log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"]))
        guard !configuration.allStreams.isEmpty else {
            throw .invalid(key: "streams", value: "[]", expected: "at least one stream, or at least one symbol")
        }
        return configuration
    }

    private struct Reader {
        let settings: [String: Setting]

        func text(_ key: String, nonEmpty: Bool) throws(ConfigurationError) -> String {
            guard case .scalar(let value) = settings[key] else { preconditionFailure("\(key) is not a scalar") }
            if nonEmpty && value.isEmpty { throw .invalid(key: key, value: value, expected: "a non-empty value") }
            return value
        }

        func entries(_ key: String) -> [YAMLNode] {
            guard case .entries(let value) = settings[key] else { preconditionFailure("\(key) is not a list of mappings") }
            return value
        }

        func list(_ key: String) -> [String] {
            guard case .list(let value) = settings[key] else { preconditionFailure("\(key) is not a list") }
            return value
        }

        func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            let value = try text(key, nonEmpty: false)
            guard let number = Int(value.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
                throw .invalid(key: key, value: value, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        func boolean(_ key: String) throws(ConfigurationError) -> Bool {
            switch try text(key, nonEmpty: false).lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            case let value: throw .invalid(key: key, value: value, expected: "true or false")
            }
        }

        func choice(_ key: String, _ options: [String]) throws(ConfigurationError) -> String {
            let value = try text(key, nonEmpty: false).lowercased()
            guard options.contains(value) else {
                throw .invalid(key: key, value: value, expected: "one of \(options.joined(separator: ", "))")
            }
            return value
        }

        func endpoint(_ key: String) throws(ConfigurationError) -> String {
            let value = try text(key, nonEmpty: true)
            guard value.hasPrefix("wss://") || value.hasPrefix("ws://"),
                  value.dropFirst(value.hasPrefix("wss://") ? 6 : 5).first.map({ $0 != "/" }) == true else {
                throw .invalid(key: key, value: value, expected: "a ws:// or wss:// URL such as wss://fstream.binance.com/market")
            }
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        }
    }
}

private extension Int {
    /// nil for 0 ("off").
    var nonZero: Int? { self == 0 ? nil : self }
}
