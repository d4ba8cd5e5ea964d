import NIOCore
import NIOHTTP1
import Synchronization

/// Answers each plain HTTP request with `answer(request)` and closes the connection. Put it after
/// `configureHTTPServerPipeline`; it removes itself when a WebSocket upgrade completes.
public final class PlainHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = HTTPServerResponsePart

    let answer: @Sendable (PlainHTTPRequest) -> HTTPAnswer
    private let request = Mutex(PlainHTTPRequest(uri: ""))

    public init(answer: @escaping @Sendable (PlainHTTPRequest) -> HTTPAnswer) {
        self.answer = answer
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case HTTPServerUpgradeEvents.upgradeComplete = event {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request.withLock { $0 = PlainHTTPRequest(uri: head.uri, headers: head.headers.map { (name: $0.name, value: $0.value) }) }
        case .body:
            break
        case .end:
            let reply = answer(request.withLock { $0 })
            var headers = HTTPHeaders(reply.headers)
            headers.replaceOrAdd(name: "Content-Length", value: String(reply.body.utf8.count))
            headers.replaceOrAdd(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: reply.body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
