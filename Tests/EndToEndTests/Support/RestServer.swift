import Foundation
import HTTPServing
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A scriptable REST server on 127.0.0.1 (swift-nio, not libwebsockets), over http:// or, with
/// certificates, https://. It records every request and answers with `reply(request)`.
final class RestServer: Sendable {
    /// How to answer one request.
    enum Reply: Sendable {
        /// A complete response.
        case answer(HTTPAnswer)
        /// Headers announcing `body` in full, then only its first `sentBytes`, then silence
        /// with the connection left open (a server that stalls mid-body).
        case stall(body: String, sentBytes: Int)
        /// Headers announcing `body` in full, then only its first `sentBytes`, then the
        /// connection closed (a truncated body).
        case cut(body: String, sentBytes: Int)
    }

    /// A request as it arrived.
    struct Request: Sendable {
        let uri: String
        let headers: [(name: String, value: String)]
        let at: Date

        var path: String { PlainHTTPRequest(uri: uri).path }
        func header(_ name: String) -> String? { PlainHTTPRequest(uri: uri, headers: headers).header(name) }
    }

    /// Every request so far, shared with the connection handlers.
    private final class RequestLog: Sendable {
        let entries = Mutex<[Request]>([])
    }

    private let socket: ListeningSocket
    private let log: RequestLog

    var port: Int { socket.port }
    var requests: [Request] { log.entries.withLock { $0 } }

    func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    private init(socket: ListeningSocket, log: RequestLog) {
        self.socket = socket
        self.log = log
    }

    static func start(tls certificates: TestCertificates? = nil, reply: @escaping @Sendable (Request) -> Reply) async throws -> RestServer {
        let log = RequestLog()
        let context = try certificates.map { certificates in
            try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificatePath).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.keyPath, format: .pem))))
        }
        let socket = try ListeningSocket.bind(host: "127.0.0.1", port: 0) { bootstrap in
            bootstrap.childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                }.flatMap {
                    channel.pipeline.configureHTTPServerPipeline()
                }.flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(log: log, reply: reply))
                }
            }
        }
        return RestServer(socket: socket, log: log)
    }

    func stop() async { await socket.stop() }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let log: RequestLog
        let reply: @Sendable (Request) -> Reply
        let head = Mutex<HTTPRequestHead?>(nil)

        init(log: RequestLog, reply: @escaping @Sendable (Request) -> Reply) {
            self.log = log
            self.reply = reply
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let received):
                head.withLock { $0 = received }
            case .body:
                break
            case .end:
                guard let received = head.withLock({ $0 }) else { return }
                let request = Request(uri: received.uri, headers: received.headers.map { ($0.name, $0.value) }, at: Date())
                log.entries.withLock { $0.append(request) }
                let (answer, sent, close): (HTTPAnswer, Int?, Bool)
                switch reply(request) {
                case .answer(let complete): (answer, sent, close) = (complete, nil, true)
                case .stall(let body, let bytes): (answer, sent, close) = (.json(body), bytes, false)
                case .cut(let body, let bytes): (answer, sent, close) = (.json(body), bytes, true)
                }
                var headers = HTTPHeaders(answer.headers)
                headers.replaceOrAdd(name: "Content-Length", value: String(answer.body.utf8.count))
                headers.replaceOrAdd(name: "Connection", value: "close")
                let status = HTTPResponseStatus(statusCode: answer.status)
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                let body = Array(answer.body.utf8).prefix(sent ?? Int.max)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
                guard close else { return context.flush() }
                let channel = context.channel
                guard sent == nil else {
                    // Truncated: close once what was written has gone out, without the end.
                    return context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer())))).whenComplete { _ in channel.close(promise: nil) }
                }
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
