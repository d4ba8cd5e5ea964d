import HTTPServing
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// What a `WebSocketServer` asks of the code that handles its connections.
public protocol WebSocketServerHandler: Sendable {
    /// A client completed the upgrade on `connection.path`.
    func connected(_ connection: ServerConnection)
    /// A whole text message arrived (fragments already joined).
    func received(text: String, on connection: ServerConnection)
    func disconnected(_ connection: ServerConnection)
}

/// A WebSocket server on swift-nio (not libwebsockets), bound to one address.
///
/// Answers pings and close frames itself and hands whole text messages to its handler.
/// `securing` lets a caller put TLS (or anything else) in front of the HTTP pipeline; `intercept`
/// sees each new connection next and may take it over (answer false: the server adds nothing);
/// `upgrades` decides from the request URI whether a WebSocket upgrade is accepted (a refused one
/// is answered like a plain request); `answer` replies to plain HTTP requests (REST).
public final class WebSocketServer: Sendable {
    private let socket: ListeningSocket

    /// The port actually bound (useful when binding port 0).
    public var port: Int { socket.port }

    public static func start(host: String, port: Int, handler: any WebSocketServerHandler,
                             securing: (@Sendable (Channel) -> EventLoopFuture<Void>)? = nil,
                             intercept: (@Sendable (Channel) -> EventLoopFuture<Bool>)? = nil,
                             upgrades: @escaping @Sendable (_ uri: String) -> Bool = { _ in true },
                             answer: @escaping @Sendable (PlainHTTPRequest) -> HTTPAnswer = { _ in .notFound }) async throws -> WebSocketServer {
        let socket = try ListeningSocket.bind(host: host, port: port) { bootstrap in
            bootstrap
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: 16 << 20,
                        shouldUpgrade: { channel, head in channel.eventLoop.makeSucceededFuture(upgrades(head.uri) ? HTTPHeaders() : nil) },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandlers([
                                    NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 100_000, maxAccumulatedFrameSize: 16 << 20),
                                    ConnectionHandler(handler: handler, path: head.uri),
                                ])
                            }
                        })
                    let secured = securing?(channel) ?? channel.eventLoop.makeSucceededVoidFuture()
                    return secured.flatMap {
                        intercept?(channel) ?? channel.eventLoop.makeSucceededFuture(true)
                    }.flatMap { serve in
                        guard serve else { return channel.eventLoop.makeSucceededVoidFuture() }
                        return channel.pipeline.configureHTTPServerPipeline(
                            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })).flatMapThrowing {
                            try channel.pipeline.syncOperations.addHandler(PlainHTTPHandler(answer: answer))
                        }
                    }
                }
        }
        return WebSocketServer(socket: socket)
    }

    /// For an `intercept` hook: answers the connection's first request with `answer` and closes,
    /// instead of serving it (e.g. 503 when a server is full). Returns false: the hook took it over.
    public static func answering(_ channel: Channel, with answer: HTTPAnswer) -> EventLoopFuture<Bool> {
        channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
            try channel.pipeline.syncOperations.addHandler(PlainHTTPHandler { _ in answer })
            return false
        }
    }

    private init(socket: ListeningSocket) {
        self.socket = socket
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        await socket.stop()
    }
}

private final class ConnectionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let handler: any WebSocketServerHandler
    let path: String

    init(handler: any WebSocketServerHandler, path: String) {
        self.handler = handler
        self.path = path
    }

    func handlerAdded(context: ChannelHandlerContext) {
        handler.connected(ServerConnection(channel: context.channel, path: path))
    }

    func channelInactive(context: ChannelHandlerContext) {
        handler.disconnected(ServerConnection(channel: context.channel, path: path))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var data = frame.unmaskedData
            let text = data.readString(length: data.readableBytes) ?? ""
            handler.received(text: text, on: ServerConnection(channel: context.channel, path: path))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1000
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.writeInteger(code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply))).whenComplete { _ in
                channel.close(promise: nil)
            }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// Answers plain HTTP requests (those that are not WebSocket upgrades) and closes; leaves the
/// pipeline when a connection upgrades, before any WebSocket bytes flow.
