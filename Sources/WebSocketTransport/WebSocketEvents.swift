import Clocks

/// Identifies one connection attempt made through a `NetworkLoop`.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public var description: String { "#\(rawValue)" }
}

/// One complete WebSocket message, reassembled from all of its fragments.
public struct ReceivedMessage: Sendable {
    public let payload: [UInt8]
    public let isBinary: Bool
    /// When the last fragment arrived: the wall clock for `recvTime`, the monotonic for liveness.
    public let receivedAt: Moment

    public init(payload: [UInt8], isBinary: Bool, receivedAt: Moment) {
        self.payload = payload
        self.isBinary = isBinary
        self.receivedAt = receivedAt
    }
}

/// How a connection ended. Every `open` ends with exactly one of these.
public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The connection was never established (refused, timeout, TLS or name failure, non-101 reply).
    case failedToConnect(String)
    /// The server sent a close frame.
    case closedByServer(code: UInt16?, reason: String)
    /// The TCP connection ended without a close frame, or the validity (ping/pong) check expired.
    case connectionLost
    /// We asked for it with `close`.
    case closedByClient

    public var description: String {
        switch self {
        case .failedToConnect(let detail): "failed to connect: \(detail)"
        case .closedByServer(let code, let reason):
            "closed by the server with \(code.map(String.init) ?? "no code")\(reason.isEmpty ? "" : " \"\(reason)\"")"
        case .connectionLost: "connection lost without a close frame"
        case .closedByClient: "closed by the collector"
        }
    }
}

/// Receives a connection's events. Called on the network thread: implementations must return
/// quickly and hand work to their own queue.
public protocol WebSocketDelegate: AnyObject, Sendable {
    func webSocketDidOpen(_ connection: ConnectionID)
    func webSocket(_ connection: ConnectionID, didReceive message: ReceivedMessage)
    func webSocket(_ connection: ConnectionID, didClose reason: CloseReason)
}
