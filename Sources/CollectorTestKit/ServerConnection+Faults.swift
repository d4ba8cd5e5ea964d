import MarketServer
import NIOCore
import NIOWebSocket

/// What a fault-injecting server does to a connection beyond what the product's server does.
extension ServerConnection {
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
            let frame = WebSocketFrame(fin: fin, opcode: opcode, data: channel.allocator.buffer(bytes: payload))
            if flush { channel.writeAndFlush(frame, promise: nil) } else { channel.write(frame, promise: nil) }
        }
    }

    /// Drops the TCP connection without a close frame.
    public func abort() {
        channel.close(promise: nil)
    }
}
