import MarketDecoding
import WebSocketTransport

/// One REST document polled on an interval (`rest.sources[n]`), validated.
///
/// Each value of a list-valued parameter makes one request per interval (`symbol: [BTCUSD,
/// ETHUSD]` → two requests of weight 1), so a source can ask selectively instead of paying for
/// the whole list.
public struct RestSourceConfiguration: Sendable, Equatable {
    /// A query parameter and its value(s).
    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let values: [String]
    }

    /// Names the source in logs and metrics (`source` label).
    public var name: String
    /// Where the document is served, without a query (`https://fapi.binance.com/fapi/v1/assetIndex`).
    public var target: NetworkTarget
    public var document: RestDocument
    public var parameters: [Parameter]
    public var intervalSeconds: Int
    public var enabled: Bool
    /// The environment variable holding the API key (`X-MBX-APIKEY`), for documents that take one.
    public var apiKeyEnvironment: String?
    /// A file holding the API key, for documents that take one; read at start and on reload.
    public var apiKeyFile: String?

    /// `target` as a URL, for logs.
    public var endpoint: String { target.description }

    /// The query strings of the requests made each interval (`""` for none), values percent-encoded.
    public var queries: [String] {
        var queries = [""]
        for parameter in parameters {
            queries = queries.flatMap { query in
                parameter.values.map { value in
                    (query.isEmpty ? "" : query + "&") + parameter.name + "=" + Self.percentEncoded(value)
                }
            }
        }
        return queries
    }

    /// What one request weighs: its document's weight for a selective (`symbol`/`asset` given)
    /// or a full request.
    public var weightPerRequest: Int {
        document.weight(selective: parameters.contains { $0.name == document.selectiveParameter })
    }

    /// The request weight one interval costs.
    public var weightPerInterval: Int { queries.count * weightPerRequest }

    /// The weight this source spends per minute when every request succeeds.
    public var weightPerMinute: Double { Double(weightPerInterval) * 60 / Double(intervalSeconds) }

    private static func percentEncoded(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("0"..."9").contains(scalar) || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || "-_.~".unicodeScalars.contains(scalar) {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension RestSourceConfiguration {
    /// One line for `check-config`: name, URL, requests, interval, weight, key, state.
    public var summary: String {
        let requests = queries.map { $0.isEmpty ? "(no parameters)" : "?" + $0 }.joined(separator: " ")
        let key = document.needsAPIKey ? "; API key from " + (apiKeyFile.map { "file \($0)" } ?? "$\(apiKeyEnvironment ?? "")") : ""
        return "\(name): \(endpoint) \(requests) every \(intervalSeconds) s, weight \(weightPerInterval) per round\(key)\(enabled ? "" : " (disabled)")"
    }
}
