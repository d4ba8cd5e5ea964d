import NIOCore
import NIOPosix

/// A bound server socket with its own one-thread event loop: what every server here is built on.
/// `stop` (or, from a thread that may block, `syncStop`) closes it and every connection it accepted.
public final class ListeningSocket: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// The port actually bound (useful when binding port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds `host:port` (address reuse on, `backlog` pending connections) with `configure`
    /// adding the per-connection setup; throws the bind error (address in use ...). Blocks the
    /// caller while the socket is bound, which is quick.
    public static func bind(host: String, port: Int, backlog: Int32 = 256,
                            configure: (ServerBootstrap) -> ServerBootstrap) throws -> ListeningSocket {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = configure(ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1))
        do {
            return ListeningSocket(group: group, channel: try bootstrap.bind(host: host, port: port).wait())
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: Channel) {
        self.group = group
        self.channel = channel
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await channel.close().get()
        try? await group.shutdownGracefully()
    }

    /// `stop` for a thread that may block (not an event loop, not Swift's cooperative pool).
    public func syncStop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}
