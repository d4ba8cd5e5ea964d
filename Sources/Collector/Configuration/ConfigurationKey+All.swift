import FoundationEssentials
import RecordStorage
import WebSocketTransport

extension ConfigurationKey {
    /// Every key, in the order they are read (a key may rely on the ones before it). A new key is
    /// one entry here; `config/stream-collector.yaml` documents it (a test checks both agree).
    static let all: [ConfigurationKey] = [
        stored("endpoint", default: .scalar("wss://fstream.binance.com/market"), at: \.endpoint, reload: .restartOnly,
               help: "routed market endpoint; the collector connects to <endpoint>/stream and subscribes with SUBSCRIBE") { reader throws(ConfigurationError) in
            let value = try reader.text("endpoint", nonEmpty: true)
            guard value.hasPrefix("wss://") || value.hasPrefix("ws://"),
                  value.dropFirst(value.hasPrefix("wss://") ? 6 : 5).first.map({ $0 != "/" }) == true else {
                throw .invalid(key: "endpoint", value: value, expected: "a ws:// or wss:// URL such as wss://fstream.binance.com/market")
            }
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        },
        stored("streams", default: .list(["!assetIndex@arr", "!contractInfo"]), at: \.streams, reload: .applied,
               help: "streams subscribed as named", parse: { reader throws(ConfigurationError) in
                   try reader.list("streams").map { stream throws(ConfigurationError) in try StreamName.validated(stream, key: "streams") }
               }, show: { $0.joined(separator: ", ") }),
        stored("symbols", default: .list([]), at: \.symbols, reload: .applied,
               help: "each adds <symbol>@assetIndex (lowercased on the wire)", parse: { reader throws(ConfigurationError) in
                   try reader.list("symbols").map { symbol throws(ConfigurationError) in try StreamName.validatedSymbol(symbol, key: "symbols") }
               }, show: { $0.joined(separator: ", ") }),
        stored("output.directory", default: .scalar("/var/lib/stream-collector"), at: \.storage.directory, reload: .restartOnly,
               help: "root of all files") { reader throws(ConfigurationError) in
            try reader.text("output.directory", nonEmpty: true)
        },
        integer("output.rotate_bytes", default: 268_435_456, in: 4096...(1 << 40), at: \.storage.rotateBytes, reload: .applied,
                help: "start a new file before one would exceed this size"),
        integer("output.rotate_seconds", default: 3600, in: 1...(7 * 86_400), at: \.storage.rotateSeconds, reload: .applied,
                help: "start a new file once one is this old (and always at a new UTC hour)"),
        integer("output.fsync_interval_ms", default: 1000, in: 0...3_600_000, at: \.storage.fsyncIntervalMilliseconds, reload: .applied,
                help: "fdatasync period; also on rotation and shutdown"),
        integer("output.buffer_bytes", default: 67_108_864, in: 65_536...(1 << 36), at: \.storage.bufferBytes, reload: .applied,
                help: "records held in memory while the disk refuses writes; beyond it the oldest are dropped and marked by a collector.gap"),
        // Both read into one setting: compress after how long, or not at all.
        stored("output.compress", default: .scalar("true"), at: \.storage.compressAfterSeconds, reload: .applied,
               help: "gzip closed files into *.ndjson.gz once closed output.compress_after_seconds",
               parse: compression, show: { $0 == nil ? "false" : "true" }),
        stored("output.compress_after_seconds", default: .scalar("600"), at: \.storage.compressAfterSeconds, reload: .applied,
               help: "how long a closed file waits before it is compressed (shippers have read it by then)",
               parse: compression, show: { $0.map(String.init) ?? "(no compression)" }),
        optionalInteger("output.retain_days", default: 0, in: 0...36_500, at: \.storage.retainDays, reload: .applied,
                        help: "delete closed files last written more than this many days ago", none: "kept forever"),
        optionalInteger("output.retain_bytes", default: 0, in: 0...(1 << 50), at: \.storage.retainBytes, reload: .applied,
                        help: "beyond this many bytes in all, delete the oldest closed files", none: "no limit"),
        stored("metrics.listen", default: .scalar("127.0.0.1:9464"), at: \.metricsListen, reload: .restartOnly,
               help: "/metrics (Prometheus) and /healthz; port 0 = any free port (logged); empty: off",
               parse: { reader throws(ConfigurationError) in
                   let text = try reader.text("metrics.listen", nonEmpty: false)
                   if text.isEmpty { return nil }
                   guard let address = ListenAddress(text) else {
                       throw .invalid(key: "metrics.listen", value: text,
                                      expected: "HOST:PORT such as 127.0.0.1:9464 (port 0: any free port), or empty for no metrics endpoint")
                   }
                   return address
               }, show: { $0.map { "\($0) (/metrics, /healthz)" } ?? "(off)" }),
        stored("tls.ca_file", default: .scalar(""), at: \.caFile, reload: .restartOnly,
               help: "extra trust anchor (PEM) on top of the system store; verification cannot be turned off",
               parse: { reader throws(ConfigurationError) in
                   let path = try reader.text("tls.ca_file", nonEmpty: false)
                   if path.isEmpty { return nil }
                   guard FileManager.default.isReadableFile(atPath: path) else {
                       throw .invalid(key: "tls.ca_file", value: path, expected: "a readable PEM file (or empty for the system store only)")
                   }
                   return path
               }, show: { $0 ?? "(system store only)" }),
        stored("rest.endpoint", default: .scalar("https://fapi.binance.com"), at: \.restEndpoint, reload: .restartOnly,
               help: "after each gap, GET <endpoint>/fapi/v1/assetIndex is recorded once as a snapshot; empty: off",
               parse: { reader throws(ConfigurationError) in
                   let url = try reader.text("rest.endpoint", nonEmpty: false)
                   if url.isEmpty { return nil }
                   do {
                       _ = try NetworkTarget(url: url, accepting: NetworkTarget.Scheme.web)
                   } catch {
                       throw .invalid(key: "rest.endpoint", value: url, expected: "an http:// or https:// URL such as https://fapi.binance.com, or empty for no snapshots")
                   }
                   return url
               }, show: { $0.map { "\($0) (a snapshot of /fapi/v1/assetIndex after each gap)" } ?? "(no snapshots)" }),
        integer("rest.weight_per_minute", default: 1200, in: 10...100_000, at: \.rest.weightPerMinute, reload: .restartOnly,
                help: "request weight per host per minute that all REST requests together keep within (Binance allows 2400)"),
        integer("rest.timeout_seconds", default: 10, in: 1...300, at: \.rest.timeoutSeconds, reload: .restartOnly,
                help: "a REST request must finish (lookup to last body byte) within this"),
        integer("rest.retry.initial_delay_ms", default: 1000, in: 10...600_000, at: \.rest.retryInitialDelayMilliseconds, reload: .restartOnly,
                help: "failed REST requests: the first delay of a capped exponential backoff with jitter"),
        stored("rest.retry.max_delay_ms", default: .scalar("60000"), at: \.rest.retryMaxDelayMilliseconds, reload: .restartOnly,
               help: "failed REST requests: the longest delay") { reader throws(ConfigurationError) in
            let initial = try reader.integer("rest.retry.initial_delay_ms", in: 10...600_000)
            let maximum = try reader.integer("rest.retry.max_delay_ms", in: 10...3_600_000)
            guard initial <= maximum else {
                throw .invalid(key: "rest.retry.max_delay_ms", value: String(maximum), expected: "at least rest.retry.initial_delay_ms (\(initial))")
            }
            return maximum
        },
        stored("rest.sources", default: .entries([]), at: \.rest.sources, reload: .applied,
               help: "REST documents polled on an interval (see README, REST sources)",
               parse: { reader throws(ConfigurationError) in
                   try RestSourceParser.parse(reader.entries("rest.sources"), weightPerMinute: try reader.integer("rest.weight_per_minute", in: 10...100_000))
               }, show: { sources in
                   "\(sources.count)" + sources.map { "\n  " + $0.summary }.joined()
               }),
        integer("stale_after_seconds", default: 30, in: 2...86_400, at: \.staleAfterSeconds, reload: .restartOnly,
                help: "a connection whose ticking streams are silent this long is reopened"),
        integer("renew_after_seconds", default: 84_600, in: 2...86_000, at: \.renewAfterSeconds, reload: .restartOnly,
                help: "a connection this old is replaced make-before-break, ahead of Binance's 24 h cut"),
        integer("connect_timeout_seconds", default: 10, in: 1...300, at: \.connectTimeoutSeconds, reload: .restartOnly,
                help: "TCP + TLS + upgrade must finish within this, or the attempt counts as failed"),
        integer("max_frame_bytes", default: 1_048_576, in: 1024...(1 << 30), at: \.maxFrameBytes, reload: .restartOnly,
                help: "larger frames are not decoded but kept whole in the rejected-frames file"),
        integer("reconnect.initial_delay_ms", default: 500, in: 10...600_000, at: \.reconnectInitialDelayMilliseconds, reload: .restartOnly,
                help: "the first delay of a capped exponential backoff with jitter"),
        stored("reconnect.max_delay_ms", default: .scalar("30000"), at: \.reconnectMaxDelayMilliseconds, reload: .restartOnly,
               help: "the longest reconnect delay") { reader throws(ConfigurationError) in
            let initial = try reader.integer("reconnect.initial_delay_ms", in: 10...600_000)
            let maximum = try reader.integer("reconnect.max_delay_ms", in: 10...3_600_000)
            guard initial <= maximum else {
                throw .invalid(key: "reconnect.max_delay_ms", value: String(maximum), expected: "at least reconnect.initial_delay_ms (\(initial))")
            }
            return maximum
        },
        integer("subscribe_interval_ms", default: 300, in: 0...60_000, at: \.subscribeIntervalMilliseconds, reload: .restartOnly,
                help: "pause between SUBSCRIBE requests on one connection"),
        integer("streams_per_connection", default: 200, in: 1...1024, at: \.streamsPerConnection, reload: .restartOnly,
                help: "more streams are spread over more connections"),
        integer("validity.ping_after_seconds", default: 30, in: 1...3600, at: \.pingAfterSeconds, reload: .restartOnly,
                help: "libwebsockets pings a connection idle this long"),
        stored("validity.hangup_after_seconds", default: .scalar("40"), at: \.hangupAfterSeconds, reload: .restartOnly,
               help: "libwebsockets hangs up a connection without a pong this long") { reader throws(ConfigurationError) in
            let ping = try reader.integer("validity.ping_after_seconds", in: 1...3600)
            let hangup = try reader.integer("validity.hangup_after_seconds", in: 2...3600)
            guard ping < hangup else {
                throw .invalid(key: "validity.hangup_after_seconds", value: String(hangup),
                               expected: "more than validity.ping_after_seconds (\(ping)); otherwise lws hangs up without pinging")
            }
            return hangup
        },
        integer("inflight_bytes", default: 1_048_576, in: 65_536...(1 << 34), at: \.inflightBytes, reload: .restartOnly,
                help: "received-but-unwritten bytes above which reading pauses"),
        stored("log_level", default: .scalar("info"), at: \.logLevel, reload: .applied, help: "trace … critical") { reader throws(ConfigurationError) in
            try reader.choice("log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        },
    ]

    private static func compression(_ reader: SettingReader) throws(ConfigurationError) -> Int? {
        try reader.boolean("output.compress") ? try reader.integer("output.compress_after_seconds", in: 1...(30 * 86_400)) : nil
    }
}
