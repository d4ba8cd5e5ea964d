/// A complete HTTP response to `NetworkLoop.fetch`, whatever its status.
public struct HTTPResponse: Sendable {
    public let status: Int
    /// The `Retry-After` header as sent (seconds, or an HTTP date), if any.
    public let retryAfter: String?
    public let body: [UInt8]

    public init(status: Int, retryAfter: String?, body: [UInt8]) {
        self.status = status
        self.retryAfter = retryAfter
        self.body = body
    }

    /// `Retry-After` in seconds when it is given as a number.
    public var retryAfterSeconds: Int? { retryAfter.flatMap { Int($0.trimmingPrefix(" ")) } }
}
