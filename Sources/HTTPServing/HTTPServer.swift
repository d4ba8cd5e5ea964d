import NIOCore
import NIOHTTP1
import NIOPosix

/// A plain HTTP/1.1 server on swift-nio bound to one address, answering every request with
/// `answer(uri)` (one request per connection). Used for the metrics and health endpoint.
public final class HTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// The port actually bound (useful when binding port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    public static func start(host: String, port: Int, answer: @escaping @Sendable (_ uri: String) -> HTTPAnswer) async throws -> HTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(PlainHTTPHandler(answer: answer))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return HTTPServer(group: group, channel: channel)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: Channel) {
        self.group = group
        self.channel = channel
    }

    public func stop() async {
        try? await channel.close().get()
        try? await group.shutdownGracefully()
    }
}
