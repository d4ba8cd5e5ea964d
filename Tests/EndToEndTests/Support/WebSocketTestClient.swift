import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A WebSocket client for the tests (swift-nio, not libwebsockets): connects to a path, sends text,
/// and keeps every text frame it consumes until the server's close frame.
///
/// With `consumeDelay`, frames wait in a queue and are consumed one per delay; when the close frame
/// arrives the client stops and drops what it has not consumed — as client libraries do that stop
/// reading once the closing handshake starts.
final class WebSocketTestClient: Sendable {
    private struct State {
        var consumed: [String] = []
        var queue: [String] = []
        var closeCode: UInt16?
        var refusedStatus: Int?
        var refusedBody = ""
        var ended = false
        /// Upgraded, refused or gone: `connect` may return.
        var settled = false
    }

    private let state = Mutex(State())
    private let channel: Mutex<Channel?> = Mutex(nil)
    private let consumeDelay: Duration?
    private static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private init(consumeDelay: Duration?) {
        self.consumeDelay = consumeDelay
    }

    /// Connects to `ws://127.0.0.1:<port><path>`. A refused upgrade is not an error: see `refusal`.
    static func connect(port: Int, path: String, consumeDelay: Duration? = nil) async throws -> WebSocketTestClient {
        let client = WebSocketTestClient(consumeDelay: consumeDelay)
        let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
            let request = UpgradeRequest(path: path, port: port, client: client)
            let upgrader = NIOWebSocketClientUpgrader(requestKey: "dGhlIHNhbXBsZSBub25jZQ==", maxFrameSize: 16 << 20) { channel, _ in
                channel.pipeline.removeHandler(request).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(FrameReader(client: client))
                    client.settle()
                }
            }
            return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })).flatMapThrowing {
                try channel.pipeline.syncOperations.addHandler(request)
            }
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        client.channel.withLock { $0 = channel }
        let deadline = ContinuousClock.now + .seconds(10)
        while !client.state.withLock({ $0.settled }) {
            guard ContinuousClock.now < deadline else { throw HarnessError("no answer to the upgrade of \(path)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        if let consumeDelay {
            Task {
                while true {
                    let next: String?? = client.state.withLock { state in
                        if state.closeCode != nil { return .some(nil) }
                        return state.queue.isEmpty ? nil : .some(state.queue.removeFirst())
                    }
                    switch next {
                    case .some(.none): return
                    case .some(.some(let frame)): client.state.withLock { $0.consumed.append(frame) }
                    case .none: break
                    }
                    try? await Task.sleep(for: consumeDelay)
                }
            }
        }
        return client
    }

    func send(_ text: String) {
        guard let channel = channel.withLock({ $0 }) else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    /// The text frames consumed so far.
    var frames: [String] { state.withLock { $0.consumed } }
    /// The server's close code, once it closed.
    var closeCode: UInt16? { state.withLock { $0.closeCode } }
    /// The HTTP status and body of a refused upgrade.
    var refusal: (status: Int, body: String)? { state.withLock { state in state.refusedStatus.map { ($0, state.refusedBody) } } }
    var ended: Bool { state.withLock { $0.ended } }

    func close() {
        channel.withLock { $0 }?.close(promise: nil)
    }

    fileprivate func received(_ text: String) {
        state.withLock { state in
            if consumeDelay == nil { state.consumed.append(text) } else { state.queue.append(text) }
        }
    }

    fileprivate func closed(code: UInt16) {
        state.withLock { $0.closeCode = code }
    }

    fileprivate func refused(status: Int, body: String) {
        state.withLock {
            $0.refusedStatus = status
            $0.refusedBody += body
        }
    }

    fileprivate func end() {
        state.withLock {
            $0.ended = true
            $0.settled = true
        }
    }

    fileprivate func settle() {
        state.withLock { $0.settled = true }
    }
}

/// Sends the upgrade request; reads the answer when the server refuses to upgrade.
private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let path: String
    let port: Int
    let client: WebSocketTestClient

    init(path: String, port: Int, client: WebSocketTestClient) {
        self.path = path
        self.port = port
        self.client = client
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): client.refused(status: Int(head.status.code), body: "")
        case .body(let buffer): client.refused(status: client.refusal?.status ?? 0, body: String(buffer: buffer))
        case .end:
            client.settle()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.end()
        context.fireChannelInactive()
    }
}

private final class FrameReader: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let client: WebSocketTestClient

    init(client: WebSocketTestClient) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var data = frame.unmaskedData
            client.received(data.readString(length: data.readableBytes) ?? "")
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            client.closed(code: data.readInteger(as: UInt16.self) ?? 1005)
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.end()
        context.fireChannelInactive()
    }
}
