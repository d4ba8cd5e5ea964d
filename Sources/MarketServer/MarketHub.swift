import NIOCore
import Synchronization

/// A Binance-compatible market stream endpoint: tracks every connection's `BinanceSession` and
/// fans published events out to the connections subscribed to their stream.
///
/// Use it as the handler of a `WebSocketServer`; publish events with `publish(stream:payload:)`.
/// Like Binance, it can cut every connection at a fixed age (`connectionLifetime`).
public final class MarketHub: WebSocketServerHandler {
    private struct Entry {
        var session: BinanceSession
        let connection: ServerConnection
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let connectionLifetime: TimeAmount?

    /// - Parameters:
    ///   - connectionLifetime: closes each connection (1001) this long after it connected, like
    ///     Binance's 24-hour cut; nil for never.
    public init(connectionLifetime: TimeAmount? = nil) {
        self.connectionLifetime = connectionLifetime
    }

    /// The connections open now, with their sessions.
    public var connections: [(connection: ServerConnection, session: BinanceSession)] {
        entries.withLock { $0.values.map { ($0.connection, $0.session) } }
    }

    /// Whether any open connection is subscribed to at least one stream.
    public var hasSubscribers: Bool {
        entries.withLock { $0.values.contains { !$0.session.subscriptions.isEmpty } }
    }

    /// Whether every open connection can take more data now (see `ServerConnection.isWritable`).
    public var allWritable: Bool {
        entries.withLock { $0.values.allSatisfy { $0.connection.isWritable } }
    }

    /// Closes every open connection with `code`, after what was already sent.
    public func closeAll(code: UInt16, reason: String) {
        for (connection, _) in connections { connection.close(code: code, reason: reason) }
    }

    /// Sends `payload` (one JSON event or array) to every connection subscribed to `stream`.
    /// Returns how many connections it was sent to.
    @discardableResult
    public func publish(stream: String, payload: String) -> Int {
        let targets = entries.withLock { entries in
            entries.values.compactMap { entry in
                entry.session.frame(for: stream, payload: payload).map { (entry.connection, $0) }
            }
        }
        for (connection, frame) in targets { connection.send(text: frame) }
        return targets.count
    }

    public func connected(_ connection: ServerConnection) {
        entries.withLock { $0[ObjectIdentifier(connection.channel)] = Entry(session: BinanceSession(path: connection.path), connection: connection) }
        if let connectionLifetime {
            connection.channel.eventLoop.scheduleTask(in: connectionLifetime) {
                connection.close(code: 1001, reason: "connection lifetime reached")
            }
        }
    }

    public func received(text: String, on connection: ServerConnection) {
        let reply = entries.withLock { entries -> String? in
            entries[ObjectIdentifier(connection.channel)]?.session.handle(request: text)
        }
        if let reply { connection.send(text: reply) }
    }

    public func disconnected(_ connection: ServerConnection) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(connection.channel)) }
    }
}
