import YAMLReader

/// One configuration key, declared once: its name (`output.rotate_bytes`, which also names its
/// environment override `STREAM_COLLECTOR_OUTPUT_ROTATE_BYTES`), its default, how it is read and
/// validated into a `CollectorConfiguration`, whether a reload applies it, and its help line. The
/// loader, `check-config`, the reload and the environment overrides all work from
/// `ConfigurationKey.all` (see `ConfigurationKey+All.swift`).
struct ConfigurationKey: Sendable {
    /// What a SIGHUP does with a changed value.
    enum Reload: Sendable {
        /// The running collector takes the new value.
        case applied
        /// The running value stays (the key is named in a warning) until a restart.
        case restartOnly
    }

    /// A value as written in the file or the environment, before validation.
    enum Setting: Sendable {
        case scalar(String)
        case list([String])
        /// A list of mappings (`rest.sources`), validated by its own parser; no environment override.
        case entries([YAMLNode])
    }

    let name: String
    let defaultValue: Setting
    let reload: Reload
    let help: String
    /// Reads and validates the setting into the configuration (keys are read in declaration order,
    /// so a key may rely on those declared before it).
    let read: @Sendable (SettingReader, inout CollectorConfiguration) throws(ConfigurationError) -> Void
    /// The value in effect, as `check-config` prints it.
    let show: @Sendable (CollectorConfiguration) -> String
    /// Whether two configurations agree on this key.
    let agrees: @Sendable (CollectorConfiguration, CollectorConfiguration) -> Bool
    /// Takes this key's value from `source` (a reload).
    let adopt: @Sendable (_ source: CollectorConfiguration, _ target: inout CollectorConfiguration) -> Void

    /// The environment variable that overrides the key.
    var environmentVariable: String {
        ConfigurationLoader.environmentPrefix + String(name.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// A key stored at `path`, read by `parse` and shown by `show`.
    static func stored<Value: Equatable & Sendable>(
        _ name: String, default defaultValue: Setting, at path: WritableKeyPath<CollectorConfiguration, Value> & Sendable,
        reload: Reload, help: String,
        parse: @escaping @Sendable (SettingReader) throws(ConfigurationError) -> Value,
        show: @escaping @Sendable (Value) -> String = { "\($0)" }
    ) -> ConfigurationKey {
        ConfigurationKey(
            name: name, defaultValue: defaultValue, reload: reload, help: help,
            read: { reader, configuration throws(ConfigurationError) in configuration[keyPath: path] = try parse(reader) },
            show: { show($0[keyPath: path]) },
            agrees: { $0[keyPath: path] == $1[keyPath: path] },
            adopt: { source, target in target[keyPath: path] = source[keyPath: path] })
    }

    /// A whole number from `range`.
    static func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>,
                        at path: WritableKeyPath<CollectorConfiguration, Int> & Sendable, reload: Reload, help: String) -> ConfigurationKey {
        stored(name, default: .scalar(String(defaultValue)), at: path, reload: reload, help: help) { reader throws(ConfigurationError) in
            try reader.integer(name, in: range)
        }
    }

    /// A whole number from `range` where 0 means "none".
    static func optionalInteger(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>,
                                at path: WritableKeyPath<CollectorConfiguration, Int?> & Sendable, reload: Reload, help: String,
                                none: String) -> ConfigurationKey {
        stored(name, default: .scalar(String(defaultValue)), at: path, reload: reload, help: help,
               parse: { reader throws(ConfigurationError) in
                   let value = try reader.integer(name, in: range)
                   return value == 0 ? nil : value
               },
               show: { $0.map(String.init) ?? "0 (\(none))" })
    }
}

/// The settings of one configuration (file, then environment) as the keys read them.
struct SettingReader {
    let settings: [String: ConfigurationKey.Setting]

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
        guard let number = Int(value.filter { $0 != "_" }), range.contains(number) else {
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
}
