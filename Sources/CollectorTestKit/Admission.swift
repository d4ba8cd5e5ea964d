import HTTPServing
import MarketServer
import NIOCore

/// What a fault-injecting server does with a new TCP connection, before any HTTP is read: refuse,
/// stall or reject a client. Given to `WebSocketServer.start` through `intercepting(_:)`.
public enum Admission: Sendable {
    /// Serve the upgrade normally.
    case accept
    /// Close the TCP connection at once.
    case refuse
    /// Keep the TCP connection open and never answer the upgrade request.
    case stall
    /// Answer the upgrade with this HTTP status (e.g. 429 or 503), optional `Retry-After`
    /// seconds, and close.
    case reject(status: Int, retryAfterSeconds: Int?)

    /// The `intercept` hook of `WebSocketServer.start` that asks `admit` about each connection.
    public static func intercepting(_ admit: @escaping @Sendable () -> Admission) -> @Sendable (Channel) -> EventLoopFuture<Bool> {
        { channel in
            switch admit() {
            case .accept:
                return channel.eventLoop.makeSucceededFuture(true)
            case .refuse:
                return channel.close().map { false }
            case .stall:
                return channel.eventLoop.makeSucceededFuture(false)
            case .reject(let status, let retryAfter):
                return WebSocketServer.answering(channel, with: HTTPAnswer(status: status, headers: retryAfter.map { [("Retry-After", String($0))] } ?? []))
            }
        }
    }
}
