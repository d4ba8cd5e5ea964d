/// One HTTP GET for `NetworkLoop.fetch`.
public struct HTTPRequest: Sendable {
    public var target: NetworkTarget
    /// Extra request headers as (name, value). Values are sent, never logged.
    public var headers: [(name: String, value: String)]
    /// Response headers to keep in `HTTPResponse.headers` besides `Retry-After` (lowercase names).
    public var capturedHeaders: [String]
    /// The whole exchange — lookup, connect, TLS, headers and body — must end within this.
    public var timeoutSeconds: Int
    /// Bodies beyond this many bytes fail the request.
    public var maximumBodyBytes: Int

    public init(target: NetworkTarget, headers: [(name: String, value: String)] = [], capturedHeaders: [String] = [],
                timeoutSeconds: Int = 10, maximumBodyBytes: Int = 16 << 20) {
        self.target = target
        self.headers = headers
        self.capturedHeaders = capturedHeaders
        self.timeoutSeconds = timeoutSeconds
        self.maximumBodyBytes = maximumBodyBytes
    }
}
