/// Why a configuration was refused; the text names the key, the value and what is expected.
public enum ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case syntax(String)
    case unknownKey(String)
    case invalid(key: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the configuration file \(path): \(reason)"
        case .syntax(let detail):
            "the configuration is not valid YAML: \(detail)"
        case .unknownKey(let key):
            "unknown configuration key '\(key)' (see config/stream-collector.yaml for every key)"
        case .invalid(let key, let value, let expected):
            "invalid value '\(value)' for '\(key)': expected \(expected)"
        }
    }
}
