/// A plain (non-upgrade) HTTP request as a server's `answer` sees it.
public struct PlainHTTPRequest: Sendable {
    /// Path and query as sent.
    public let uri: String
    public let headers: [(name: String, value: String)]

    public init(uri: String, headers: [(name: String, value: String)] = []) {
        self.uri = uri
        self.headers = headers
    }

    /// The URI without its query.
    public var path: String { uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri }

    /// The first value of query parameter `name`, as sent (not percent-decoded).
    public func parameter(_ name: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return query.split(separator: "&").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
