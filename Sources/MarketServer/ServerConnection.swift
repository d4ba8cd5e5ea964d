import NIOCore
import NIOWebSocket

/// One accepted WebSocket connection, with the raw operations a server (or a fault-injecting
/// test) may perform on it. Thread-safe: every operation is forwarded to the channel's event loop.
public struct ServerConnection: Sendable, Equatable {
    let channel: Channel
    /// The request path of the upgrade, including any query.
    public let path: String

    public static func == (lhs: ServerConnection, rhs: ServerConnection) -> Bool { lhs.channel === rhs.channel }

    /// Whether the connection takes more data without queueing beyond its high-water mark; a
    /// sender that respects it never buffers more than that for a slow reader.
    public var isWritable: Bool { channel.isWritable }

    /// Sends one complete text message.
    public func send(text: String) {
        send(frame: .text, payload: Array(text.utf8), fin: true)
    }

    /// Sends a text message split over `pieces` frames (the first `.text`, the rest continuations),
    /// optionally ending with an empty final continuation frame.
    public func sendFragmented(text: [UInt8], pieces: Int, emptyFinalFrame: Bool = false) {
        let size = max(1, (text.count + pieces - 1) / max(1, pieces))
        var offset = 0
        var first = true
        while offset < text.count {
            let end = min(offset + size, text.count)
            let last = end == text.count && !emptyFinalFrame
            send(frame: first ? .text : .continuation, payload: Array(text[offset..<end]), fin: last, flush: last)
            first = false
            offset = end
        }
        if emptyFinalFrame { send(frame: first ? .text : .continuation, payload: [], fin: true) }
    }

    /// Sends one frame exactly as given (binary data, invalid UTF-8, a lone fragment ...).
    public func send(frame opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true, flush: Bool = true) {
        let channel = self.channel
        channel.eventLoop.execute {
            let buffer = channel.allocator.buffer(bytes: payload)
            let frame = WebSocketFrame(fin: fin, opcode: opcode, data: buffer)
            if flush { channel.writeAndFlush(frame, promise: nil) } else { channel.write(frame, promise: nil) }
        }
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

    /// Drops the TCP connection without a close frame.
    public func abort() {
        channel.close(promise: nil)
    }
}
