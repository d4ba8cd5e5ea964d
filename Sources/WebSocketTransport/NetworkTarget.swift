/// A `ws://`, `wss://`, `http://` or `https://` address split into what libwebsockets dials.
public struct NetworkTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable, CaseIterable {
        case ws, wss, http, https

        /// Whether the connection is wrapped in TLS.
        public var isSecure: Bool { self == .wss || self == .https }
        public var defaultPort: Int { isSecure ? 443 : 80 }
        /// The WebSocket schemes, accepted where a stream endpoint is expected.
        public static let webSocket: Set<Scheme> = [.ws, .wss]
        /// The HTTP schemes, accepted where a REST endpoint is expected.
        public static let web: Set<Scheme> = [.http, .https]
    }

    public let scheme: Scheme
    public let host: String
    public let port: Int
    /// Path and query, always beginning with `/`.
    public let path: String

    public var secure: Bool { scheme.isSecure }

    public init(scheme: Scheme, host: String, port: Int, path: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
    }

    /// Parses `scheme://host[:port][/path][?query]` for one of the `accepting` schemes.
    public init(url: String, accepting schemes: Set<Scheme>) throws(TransportError) {
        let names = Scheme.allCases.filter(schemes.contains).map { "\($0.rawValue)://" }
        guard let scheme = Scheme.allCases.first(where: { schemes.contains($0) && url.hasPrefix("\($0.rawValue)://") }) else {
            throw TransportError.invalidURL(url, "it must begin with \(names.joined(separator: " or "))")
        }
        let rest = url.dropFirst(scheme.rawValue.count + 3)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var host = authority
        var port = scheme.defaultPort
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
        self.init(scheme: scheme, host: String(host), port: port, path: path)
    }

    /// The same place with another path (for example the combined-stream path under a route).
    public func replacingPath(_ path: String) -> NetworkTarget {
        NetworkTarget(scheme: scheme, host: host, port: port, path: path)
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(shownHost)\(port == scheme.defaultPort ? "" : ":\(port)")\(path)"
    }
}
