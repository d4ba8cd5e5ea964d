import NIOCore
import NIOHTTP1

/// A plain HTTP/1.1 server answering every request with `answer(request)` (one request per
/// connection). Used for the metrics and health endpoint.
public enum HTTPServer {
    public static func start(host: String, port: Int, answer: @escaping @Sendable (PlainHTTPRequest) -> HTTPAnswer) throws -> ListeningSocket {
        try ListeningSocket.bind(host: host, port: port, backlog: 64) { bootstrap in
            bootstrap.childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(PlainHTTPHandler(answer: answer))
                }
            }
        }
    }
}
