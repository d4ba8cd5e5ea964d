import CollectorTestKit
import Foundation
import HTTPServing
import MarketServer
import NIOCore
import NIOSSL

/// A Binance-compatible stream server on 127.0.0.1 built on swift-nio (not libwebsockets),
/// over ws:// or, with certificates, wss://.
struct TestServer {
    let hub: MarketHub
    let server: WebSocketServer

    var port: Int { server.port }

    /// - Parameters:
    ///   - port: where to listen (0: any free port).
    ///   - lifetime: the hub closes each connection this long after it connected (the 24 h cut).
    ///   - admit: decides per TCP connection whether to serve, refuse, stall or reject it.
    ///   - answer: replies to plain HTTP (REST) requests.
    ///   - wrap: puts a handler in front of the hub (to inject replies).
    static func start(port: Int = 0, tls certificates: TestCertificates? = nil, lifetime: TimeAmount? = nil,
                      admit: @escaping @Sendable () -> Admission = { .accept },
                      answer: @escaping @Sendable (PlainHTTPRequest) -> HTTPAnswer = { _ in .notFound },
                      wrap: (MarketHub) -> any WebSocketServerHandler = { $0 }) async throws -> TestServer {
        let hub = MarketHub(connectionLifetime: lifetime)
        var securing: (@Sendable (Channel) -> EventLoopFuture<Void>)?
        if let certificates {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificatePath).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.keyPath, format: .pem)))
            let context = try NIOSSLContext(configuration: configuration)
            securing = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                }
            }
        }
        let server = try await WebSocketServer.start(host: "127.0.0.1", port: port, handler: wrap(hub), securing: securing,
                                                     intercept: Admission.intercepting(admit), answer: answer)
        return TestServer(hub: hub, server: server)
    }

    /// Waits until one connection (other than `previous`) has subscribed to all of `streams`,
    /// and returns it.
    func subscriber(to streams: [String], otherThan previous: ServerConnection? = nil, within seconds: Double = 30) async throws -> ServerConnection {
        var found: ServerConnection?
        try await eventually("a connection subscribed to \(streams)", within: seconds) {
            found = hub.connections.first { entry in
                entry.connection != previous && streams.allSatisfy(entry.session.isSubscribed)
            }?.connection
            return found != nil
        }
        return found!
    }

    /// A collector configuration for this server: `streams`, fast subscriptions and reconnects,
    /// plus `extra` YAML lines.
    func collectorConfiguration(streams: [String], extra: String = "") -> String {
        """
        endpoint: ws://127.0.0.1:\(port)/market
        streams: [\(streams.map { "\"\($0)\"" }.joined(separator: ", "))]
        subscribe_interval_ms: 20
        reconnect:
          initial_delay_ms: 100
          max_delay_ms: 500
        \(extra)
        """
    }

    func stop() async { await server.stop() }
}
