import FoundationEssentials
import RecordStorage
import WebSocketTransport
import YAMLReader

/// Reads a YAML (or JSON) configuration file, applies `STREAM_COLLECTOR_*` environment overrides,
/// and validates every key, as each key's declaration in `ConfigurationKey.all` says.
///
/// Each key `a.b_c` can be overridden by the variable `STREAM_COLLECTOR_A_B_C`; lists in variables
/// are comma-separated. Unknown keys are errors, so a typo never silently falls back to a default.
public enum ConfigurationLoader {
    /// The environment-variable prefix for overrides.
    public static let environmentPrefix = "STREAM_COLLECTOR_"

    /// Loads `path` (nil: defaults only) and the environment.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> CollectorConfiguration {
        var text = ""
        if let path {
            do {
                text = try TextFile.read(path)
            } catch {
                throw .unreadable(path: path, reason: error.reason)
            }
        }
        return try parse(yaml: text, environment: environment)
    }

    /// Parses configuration text (YAML or JSON) and applies the environment.
    public static func parse(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> CollectorConfiguration {
        var settings = Dictionary(uniqueKeysWithValues: ConfigurationKey.all.map { ($0.name, $0.defaultValue) })
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
        for key in ConfigurationKey.all {
            guard let value = environment[key.environmentVariable] else { continue }
            switch key.defaultValue {
            case .entries: continue
            case .list: settings[key.name] = .list(value.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty })
            case .scalar: settings[key.name] = .scalar(value)
            }
        }
        let reader = SettingReader(settings: settings)
        var configuration = CollectorConfiguration()
        for key in ConfigurationKey.all { try key.read(reader, &configuration) }
        guard !configuration.allStreams.isEmpty else {
            throw .invalid(key: "streams", value: "[]", expected: "at least one stream, or at least one symbol")
        }
        return configuration
    }

    private static func flatten(_ node: YAMLNode, prefix: String, into settings: inout [String: ConfigurationKey.Setting]) throws(ConfigurationError) {
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
                guard ConfigurationKey.all.contains(where: { $0.name.hasPrefix(key + ".") }) else { throw .unknownKey(key) }
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
}
