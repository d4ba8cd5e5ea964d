/// A `ws://` or `wss://` address split into what libwebsockets dials.
public struct WebSocketTarget: Sendable, Equatable, CustomStringConvertible {
    public let secure: Bool
    public let host: String
    public let port: Int
    /// Path and query, always beginning with `/`.
    public let path: String

    public init(secure: Bool, host: String, port: Int, path: String) {
        self.secure = secure
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
    }

    /// Parses `ws[s]://host[:port][/path][?query]`.
    public init(url: String) throws(TransportError) {
        let secure: Bool
        let rest: Substring
        if url.hasPrefix("wss://") {
            secure = true
            rest = url.dropFirst(6)
        } else if url.hasPrefix("ws://") {
            secure = false
            rest = url.dropFirst(5)
        } else {
            throw TransportError.invalidURL(url, "it must begin with ws:// or wss://")
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var host = authority
        var port = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw TransportError.invalidURL(url, "the port must be a number from 1 to 65535")
            }
            port = parsed
            host = authority[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "@" }) else {
            throw TransportError.invalidURL(url, "it needs a host name")
        }
        self.init(secure: secure, host: String(host), port: port, path: path)
    }

    /// The same place with another path (for example the combined-stream path under a route).
    public func replacingPath(_ path: String) -> WebSocketTarget {
        WebSocketTarget(secure: secure, host: host, port: port, path: path)
    }

    public var description: String {
        let defaultPort = secure ? 443 : 80
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(secure ? "wss" : "ws")://\(shownHost)\(port == defaultPort ? "" : ":\(port)")\(path)"
    }
}
