import NIOCore
import NIOWebSocket

/// One accepted WebSocket connection: send text, close. Thread-safe: every operation is
/// forwarded to the channel's event loop.
public struct ServerConnection: Sendable, Equatable {
    /// The connection's swift-nio channel, for what goes beyond sending text and closing.
    public let channel: Channel
    /// The request path of the upgrade, including any query.
    public let path: String

    public static func == (lhs: ServerConnection, rhs: ServerConnection) -> Bool { lhs.channel === rhs.channel }

    /// Whether the connection takes more data without queueing beyond its high-water mark; a
    /// sender that respects it never buffers more than that for a slow reader.
    public var isWritable: Bool { channel.isWritable }

    /// Sends one complete text message.
    public func send(text: String) {
        let channel = self.channel
        channel.eventLoop.execute {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text)), promise: nil)
        }
    }

    /// Returns once everything sent so far has been written to the socket (a ping is sent behind it
    /// and its write awaited: writes on a channel complete in order).
    public func drained() async {
        let channel = self.channel
        let written = channel.eventLoop.flatSubmit {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .ping, data: channel.allocator.buffer(capacity: 0)))
        }
        try? await written.get()
    }

    /// Sends a close frame with `code` and closes the TCP connection.
    public func close(code: UInt16 = 1000, reason: String = "") {
        let channel = self.channel
        channel.eventLoop.execute {
            var buffer = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            buffer.writeInteger(code)
            buffer.writeString(reason)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
