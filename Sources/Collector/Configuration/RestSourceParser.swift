import MarketDecoding
import WebSocketTransport
import YAMLReader

/// Validates `rest.sources`: each entry's keys and values, unique names, and that the enabled
/// sources of each host stay within `rest.weight_per_minute` when every request succeeds.
enum RestSourceParser {
    static let keys = ["name", "endpoint", "parameters", "interval_seconds", "enabled", "api_key_env", "api_key_file"]

    static func parse(_ nodes: [YAMLNode], weightPerMinute: Int) throws(ConfigurationError) -> [RestSourceConfiguration] {
        var sources: [RestSourceConfiguration] = []
        for (index, node) in nodes.enumerated() {
            let source = try parse(node, key: "rest.sources[\(index)]")
            if sources.contains(where: { $0.name == source.name }) {
                throw .invalid(key: "rest.sources[\(index)].name", value: source.name, expected: "a name no other source has (set 'name' on one of them)")
            }
            sources.append(source)
        }
        var perHost: [String: Double] = [:]
        for source in sources where source.enabled {
            perHost[source.target.host, default: 0] += source.weightPerMinute
        }
        for (host, weight) in perHost.sorted(by: { $0.key < $1.key }) where weight > Double(weightPerMinute) {
            throw .invalid(key: "rest.sources", value: "\(Int(weight.rounded(.up))) request weight per minute on \(host)",
                           expected: "at most rest.weight_per_minute (\(weightPerMinute)) per host: lengthen interval_seconds, or ask for fewer symbols")
        }
        return sources
    }

    private static func parse(_ node: YAMLNode, key: String) throws(ConfigurationError) -> RestSourceConfiguration {
        guard let mapping = node.mapping else {
            throw .invalid(key: key, value: ConfigurationLoader.describe(node), expected: "a mapping with endpoint, parameters, interval_seconds, enabled")
        }
        var values: [String: YAMLNode] = [:]
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            guard keys.contains(name) else { throw .unknownKey("\(key).\(name)") }
            values[name] = value
        }
        func scalar(_ name: String) throws(ConfigurationError) -> String? {
            guard let node = values[name] else { return nil }
            guard let text = node.scalar?.string else {
                throw .invalid(key: "\(key).\(name)", value: ConfigurationLoader.describe(node), expected: "a single value")
            }
            return text == "~" || text == "null" ? nil : text
        }

        guard let endpoint = try scalar("endpoint"), !endpoint.isEmpty else {
            throw .invalid(key: "\(key).endpoint", value: "", expected: "the URL of a REST document, such as https://fapi.binance.com/fapi/v1/assetIndex")
        }
        let paths = RestDocument.known.map(\.path).joined(separator: ", ")
        let target: NetworkTarget
        do {
            target = try NetworkTarget(url: endpoint, accepting: NetworkTarget.Scheme.web)
        } catch {
            throw .invalid(key: "\(key).endpoint", value: endpoint, expected: "an http:// or https:// URL ending in one of \(paths)")
        }
        guard !target.path.contains("?"), let document = RestDocument.served(at: target.path) else {
            throw .invalid(key: "\(key).endpoint", value: endpoint, expected: "a URL ending in one of \(paths), without a query (use parameters)")
        }

        let name = try scalar("name") ?? document.defaultSourceName
        guard !name.isEmpty, name.count <= 60, name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw .invalid(key: "\(key).name", value: name, expected: "lowercase letters, digits and '-', such as futures-asset-index")
        }

        var parameters: [RestSourceConfiguration.Parameter] = []
        if let node = values["parameters"], node.scalar.map({ !["", "~", "null"].contains($0.string) }) ?? true {
            guard let mapping = node.mapping else {
                throw .invalid(key: "\(key).parameters", value: ConfigurationLoader.describe(node), expected: "a mapping of names to a value or a list of values, e.g. {symbol: [BTCUSD, ETHUSD]}")
            }
            for (nameNode, valueNode) in mapping {
                let parameter = nameNode.scalar?.string ?? ""
                let place = "\(key).parameters.\(parameter)"
                guard !parameter.isEmpty, parameter.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
                    throw .invalid(key: place, value: parameter, expected: "a parameter name of letters, digits and '_'")
                }
                let items: [YAMLNode] = valueNode.sequence.map(Array.init) ?? [valueNode]
                var texts: [String] = []
                for item in items {
                    guard let text = item.scalar?.string, !text.isEmpty else {
                        throw .invalid(key: place, value: ConfigurationLoader.describe(valueNode), expected: "a value or a non-empty list of values")
                    }
                    texts.append(text)
                }
                guard !texts.isEmpty else { throw .invalid(key: place, value: "[]", expected: "a value or a non-empty list of values") }
                parameters.append(.init(name: parameter, values: texts))
            }
        }

        let interval = try scalar("interval_seconds") ?? "60"
        guard let intervalSeconds = Int(interval), (1...86_400).contains(intervalSeconds) else {
            throw .invalid(key: "\(key).interval_seconds", value: interval, expected: "a whole number from 1 to 86400")
        }
        let enabledText = (try scalar("enabled") ?? "true").lowercased()
        guard ["true", "false", "yes", "no", "on", "off"].contains(enabledText) else {
            throw .invalid(key: "\(key).enabled", value: enabledText, expected: "true or false")
        }

        let keyEnvironment = try scalar("api_key_env").flatMap { $0.isEmpty ? nil : $0 }
        let keyFile = try scalar("api_key_file").flatMap { $0.isEmpty ? nil : $0 }
        if !document.needsAPIKey, let named = keyEnvironment.map({ ("api_key_env", $0) }) ?? keyFile.map({ ("api_key_file", $0) }) {
            throw .invalid(key: "\(key).\(named.0)", value: named.1, expected: "no API key: \(document.path) is public (only \(RestDocument.portfolioAssetIndexPrice.path) takes one)")
        }
        if let keyEnvironment, !keyEnvironment.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) {
            throw .invalid(key: "\(key).api_key_env", value: keyEnvironment, expected: "an environment variable name, such as BINANCE_API_KEY")
        }
        return RestSourceConfiguration(
            name: name, target: target, document: document, parameters: parameters, intervalSeconds: intervalSeconds,
            enabled: ["true", "yes", "on"].contains(enabledText),
            apiKeyEnvironment: document.needsAPIKey && keyFile == nil ? keyEnvironment ?? "BINANCE_API_KEY" : keyEnvironment,
            apiKeyFile: keyFile)
    }
}
