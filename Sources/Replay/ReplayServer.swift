import Clocks
import HTTPServing
import MarketServer
import NIOCore
import Synchronization

/// Serves recordings as a Binance-compatible market stream endpoint with a replay per connection,
/// as tardis-machine does: `/market/ws[/<streams>]` and `/market/stream?streams=…`, SUBSCRIBE,
/// UNSUBSCRIBE, LIST_SUBSCRIPTIONS and SET/GET_PROPERTY (`BinanceSession`), and each connection's
/// recording (`ReplayConnection`) on its own clock, within the window and at the pace its URL may
/// choose (`?from=…&to=…&speed=…`; a bad value is answered 400 naming the parameter).
///
/// At most `maximumConnections` are served at once (more are answered 503); each reads the files
/// streaming, with small buffers. The server runs until `stop()`, or — `exitWhenDone` — until
/// every connection has finished after the first one came. Gaps met in the recording are logged,
/// each once.
public final class ReplayServer: WebSocketServerHandler {
    public struct Settings: Sendable {
        /// Recorded seconds per second unless a connection's URL says otherwise.
        public var pace: ReplayPace
        /// A connection starts once no SUBSCRIBE came for this long after the last one.
        public var settleSeconds: Double
        /// Between the last frame's flush and the close.
        public var closeGraceSeconds: Double
        public var maximumConnections: Int
        /// Return from `run` once every connection has finished (after the first one came).
        public var exitWhenDone: Bool

        public init(pace: ReplayPace, settleSeconds: Double = 1, closeGraceSeconds: Double = 1, maximumConnections: Int = 32,
                    exitWhenDone: Bool = false) {
            self.pace = pace
            self.settleSeconds = settleSeconds
            self.closeGraceSeconds = closeGraceSeconds
            self.maximumConnections = maximumConnections
            self.exitWhenDone = exitWhenDone
        }
    }

    private let source: ReplaySource
    private let settings: Settings
    private let log: @Sendable (String) -> Void
    private let players = Mutex<[ObjectIdentifier: ReplayConnection]>([:])
    /// TCP connections admitted and not yet closed (what `maximumConnections` bounds).
    private let open = Atomic<Int>(0)
    private let connectionsSeen = Atomic<Int>(0)
    private let gapsLogged = Mutex<Set<[UInt8]>>([])
    private let stopped = Atomic<Bool>(false)
    private let listener = Mutex<WebSocketServer?>(nil)

    private init(source: ReplaySource, settings: Settings, log: @escaping @Sendable (String) -> Void) {
        self.source = source
        self.settings = settings
        self.log = log
    }

    /// Listens on `host:port` (port 0: any free port, see `port`).
    public static func start(host: String, port: Int, source: ReplaySource, settings: Settings,
                             log: @escaping @Sendable (String) -> Void) async throws -> ReplayServer {
        let handler = ReplayServer(source: source, settings: settings, log: log)
        let server = try await WebSocketServer.start(
            host: host, port: port, handler: handler,
            intercept: { channel in handler.admit(channel) },
            upgrades: { uri in (try? ReplayRequest(uri: uri)) != nil },
            answer: { request in handler.answer(request) })
        handler.listener.withLock { $0 = server }
        return handler
    }

    public var port: Int { listener.withLock { $0?.port ?? 0 } }

    /// Ends `run`; callable from any thread.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Serves until `stop()` (or, with `exitWhenDone`, until every connection has finished), then
    /// closes every connection and stops listening.
    public func run() async {
        while !stopped.load(ordering: .relaxed) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for player in players.withLock({ Array($0.values) }) { player.cancel() }
        await listener.withLock { $0 }?.stop()
    }

    // MARK: - Admission (event loop)

    private func admit(_ channel: Channel) -> EventLoopFuture<Bool> {
        if stopped.load(ordering: .relaxed) {
            return WebSocketServer.answering(channel, with: HTTPAnswer(status: 503, body: "the replay server is stopping\n"))
        }
        let admitted = open.add(1, ordering: .relaxed).newValue
        guard admitted <= settings.maximumConnections else {
            open.subtract(1, ordering: .relaxed)
            log("refused a connection: \(settings.maximumConnections) are being served (--max-connections)")
            return WebSocketServer.answering(channel, with: HTTPAnswer(
                status: 503, body: "busy: \(settings.maximumConnections) replays are being served (--max-connections); try again later\n"))
        }
        channel.closeFuture.whenComplete { [self] _ in open.subtract(1, ordering: .relaxed) }
        return channel.eventLoop.makeSucceededFuture(true)
    }

    /// Plain requests, and upgrades refused for a bad parameter.
    private func answer(_ request: PlainHTTPRequest) -> HTTPAnswer {
        do {
            _ = try ReplayRequest(uri: request.uri)
        } catch {
            return HTTPAnswer(status: 400, body: "\(error)\n")
        }
        return HTTPAnswer(status: 404, body: "not found: connect a WebSocket to /market/ws/<streams> or /market/stream?streams=<streams>\n")
    }

    // MARK: - WebSocketServerHandler (event loop)

    public func connected(_ connection: ServerConnection) {
        let request = (try? ReplayRequest(uri: connection.path)) ?? ReplayRequest()
        let number = connectionsSeen.add(1, ordering: .relaxed).newValue
        let player = ReplayConnection(number: number, connection: connection)
        players.withLock { $0[ObjectIdentifier(connection.channel)] = player }
        let pace = request.pace ?? settings.pace
        log("connection \(number): \(connection.path) at \(pace)")
        player.start(source: source, request: request,
                     settings: ReplayConnection.Settings(pace: pace, settleNanos: Int64(settings.settleSeconds * 1e9),
                                                         closeGraceNanos: Int64(settings.closeGraceSeconds * 1e9)),
                     log: log, gap: { [self] line in
                         guard gapsLogged.withLock({ $0.insert(line).inserted }) else { return }
                         log("the recording has a gap: \(String(decoding: line, as: UTF8.self))")
                     })
    }

    public func received(text: String, on connection: ServerConnection) {
        guard let player = players.withLock({ $0[ObjectIdentifier(connection.channel)] }) else { return }
        connection.send(text: player.handle(request: text))
    }

    public func disconnected(_ connection: ServerConnection) {
        let (player, none) = players.withLock { players in
            let player = players.removeValue(forKey: ObjectIdentifier(connection.channel))
            return (player, players.isEmpty)
        }
        player?.cancel()
        if settings.exitWhenDone, none { stop() }
    }
}
