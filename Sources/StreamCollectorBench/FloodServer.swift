import Foundation
import HTTPServing
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// A WebSocket server on 127.0.0.1 (swift-nio) that sends `FloodFrames` to every client as fast as
/// it reads them — a new frame whenever the channel is writable — or, on `/live/...` paths, one
/// frame a second (Binance's rate). Over ws://, or wss:// with `certificate`/`key` (PEM).
///
/// A client that names its streams in the path (`/market/stream?streams=`, `/market/ws/...`) is
/// flooded at once; one that connects to `/market/stream` is flooded after its first SUBSCRIBE,
/// which is acknowledged as Binance does.
final class FloodServer: Sendable {
    private let socket: ListeningSocket
    var port: Int { socket.port }

    private init(socket: ListeningSocket) { self.socket = socket }

    static func start(frames: FloodFrames, certificate: String? = nil, key: String? = nil) async throws -> FloodServer {
        let context = try certificate.map { certificate in
            try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key ?? "", format: .pem))))
        }
        let socket = try ListeningSocket.bind(host: "127.0.0.1", port: 0) { bootstrap in
            bootstrap
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: 1 << 20,
                        shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(FloodHandler(frames: frames, path: head.uri))
                            }
                        })
                    return channel.eventLoop.makeCompletedFuture {
                        if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    }.flatMap {
                        channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    }
                }
        }
        return FloodServer(socket: socket)
    }

    func stop() async { await socket.stop() }
}

/// One flooded connection; lives on its channel's event loop.
private final class FloodHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let frames: FloodFrames
    private let paced: Bool
    private var flooding = false
    private var sent: Int64 = 0

    init(frames: FloodFrames, path: String) {
        self.frames = frames
        paced = path.hasPrefix("/live")
        flooding = path.contains("streams=") || path.contains("/ws/")
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if flooding { start(context) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if flooding, !paced { pump(context) }
        context.fireChannelWritabilityChanged()
    }

    /// Answers a ping and a close, and a SUBSCRIBE, which starts the flood; ignores the rest.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .ping {
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        } else if frame.opcode == .connectionClose {
            context.close(promise: nil)
        } else if frame.opcode == .text, let id = Self.subscribeID(String(buffer: frame.unmaskedData)) {
            var reply = context.channel.allocator.buffer(capacity: 32)
            reply.writeString(#"{"result":null,"id":\#(id)}"#)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: reply)), promise: nil)
            if !flooding {
                flooding = true
                start(context)
            }
        }
    }

    /// The id of a SUBSCRIBE request, as sent.
    private static func subscribeID(_ text: String) -> Substring? {
        guard text.contains("SUBSCRIBE") else { return nil }
        return text.firstMatch(of: /"id"\s*:\s*(\d+)/)?.output.1
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard paced else { return pump(context) }
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(1)) { task in
            guard channel.isActive else { return task.cancel() }
            let (handler, context) = loopBound.value
            handler.send(context)
            context.flush()
        }
    }

    /// Writes frames while the channel takes them, yielding to the event loop between batches.
    private func pump(_ context: ChannelHandlerContext) {
        var batch = 0
        while context.channel.isWritable, batch < 32 {
            send(context)
            batch += 1
        }
        context.flush()
        guard context.channel.isWritable, context.channel.isActive else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.pump(context)
        }
    }

    private func send(_ context: ChannelHandlerContext) {
        let payload = frames.frame(sent, allocator: context.channel.allocator)
        sent += 1
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: payload)), promise: nil)
    }
}
