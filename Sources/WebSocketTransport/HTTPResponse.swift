/// A complete HTTP response to `NetworkLoop.fetch`, whatever its status.
public struct HTTPResponse: Sendable {
    public let status: Int
    /// The `Retry-After` header as sent (seconds, or an HTTP date), if any.
    public let retryAfter: String?
    /// The `HTTPRequest.capturedHeaders` the server sent, by lowercase name.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(status: Int, retryAfter: String?, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.retryAfter = retryAfter
        self.headers = headers
        self.body = body
    }

    /// `Retry-After` in seconds when it is given as a number.
    public var retryAfterSeconds: Int? { retryAfter.flatMap { Int($0.drop { $0 == " " }) } }
}
