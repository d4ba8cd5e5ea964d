import Dispatch
import Logging
import MarketDecoding
import Synchronization
import WebSocketTransport

/// One shard of streams kept subscribed on one WebSocket connection, reopened forever.
///
/// Lifecycle: connect (spaced by the process-wide `AttemptThrottle`) → on open, SUBSCRIBE in
/// batches paced by `subscribeInterval`, each reply matched to its request by id → receive →
/// on any close or failure, wait a capped, jittered, exponential backoff and start again with the
/// same full URL. The backoff resets only once the connection has delivered data for a while.
/// A watchdog closes a connection whose ticking streams fall silent for `staleAfter`, including
/// the "acknowledged but silent" case of an endpoint without its route.
///
/// All state lives on `queue`; the `WebSocketDelegate` methods only hop onto it.
final class StreamConnection: WebSocketDelegate, @unchecked Sendable {
    struct Settings: Sendable {
        var staleAfterSeconds: Int
        var subscribeIntervalMilliseconds: Int
        var reconnectInitialDelayMilliseconds: Int
        var reconnectMaxDelayMilliseconds: Int
        /// Streams per SUBSCRIBE request.
        var batchSize = 50
        /// How long data must flow before a connection counts as good (backoff reset).
        var healthyAfterSeconds = 5
    }

    /// Streams pushed only on change (may be silent for days): the watchdog ignores them.
    static let sparseStreams: Set<String> = ["!contractInfo"]

    let label: String
    let streams: [String]
    private let target: WebSocketTarget
    private let settings: Settings
    private let loop: NetworkLoop
    private let pipeline: FramePipeline
    private let throttle: AttemptThrottle
    private let stats: CollectorStats
    private let logger: Logger
    private let queue: DispatchQueue
    private let lastDataMicros = Atomic<Int64>(0)

    private var backoff: Backoff
    private var current: ConnectionID?
    private var openedAtMicros: Int64?
    private var nextRequestID: Int64 = 1
    private var pending: [Int64: SubscriptionRequest] = [:]
    private var acknowledged = Set<String>()
    private var watchdog: DispatchSourceTimer?
    private var stopped = false

    init(label: String, streams: [String], target: WebSocketTarget, settings: Settings, loop: NetworkLoop,
         pipeline: FramePipeline, throttle: AttemptThrottle, stats: CollectorStats, logger: Logger) {
        self.label = label
        self.streams = streams
        self.target = target
        self.settings = settings
        self.loop = loop
        self.pipeline = pipeline
        self.throttle = throttle
        self.stats = stats
        var logger = logger
        logger[metadataKey: "connection"] = "\(label)"
        self.logger = logger
        queue = DispatchQueue(label: "stream-collector.\(label)")
        backoff = Backoff(initialMilliseconds: settings.reconnectInitialDelayMilliseconds,
                          maximumMilliseconds: settings.reconnectMaxDelayMilliseconds)
    }

    var hasTickingStreams: Bool { streams.contains { !Self.sparseStreams.contains($0) } }

    func start() {
        queue.async { [self] in
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler { [unowned self] in checkHealth() }
            timer.resume()
            watchdog = timer
            scheduleConnect(afterMilliseconds: 0)
        }
    }

    /// Stops reconnecting; the network loop closes the socket itself when it stops.
    func stop() {
        queue.sync {
            stopped = true
            watchdog?.cancel()
            watchdog = nil
        }
    }

    // MARK: - WebSocketDelegate (network thread)

    func webSocketDidOpen(_ connection: ConnectionID) {
        queue.async { [self] in opened(connection) }
    }

    func webSocket(_ connection: ConnectionID, didReceive message: ReceivedMessage) {
        pipeline.submit(message, from: FramePipeline.Source(
            label: label,
            onReply: { [self] reply in queue.async { self.handle(reply, on: connection) } },
            onData: { [self] micros in lastDataMicros.store(micros, ordering: .relaxed) }))
    }

    func webSocket(_ connection: ConnectionID, didClose reason: CloseReason) {
        queue.async { [self] in closed(connection, reason) }
    }

    // MARK: - State machine (queue)

    /// Schedules the next attempt; returns the real delay in ms (the throttle may add to it).
    @discardableResult
    private func scheduleConnect(afterMilliseconds delay: Int) -> Int {
        let now = DispatchTime.now()
        let slot = throttle.reserve(notBefore: now + .milliseconds(delay))
        queue.asyncAfter(deadline: slot) { [self] in
            guard !stopped, current == nil else { return }
            current = loop.open(target, delegate: self)
            logger.debug("connecting to \(target)")
        }
        return Int((slot.uptimeNanoseconds - now.uptimeNanoseconds) / 1_000_000)
    }

    private func opened(_ connection: ConnectionID) {
        guard connection == current, !stopped else { return }
        openedAtMicros = WallClock.nowMicroseconds()
        lastDataMicros.store(0, ordering: .relaxed)
        pending.removeAll()
        acknowledged.removeAll()
        logger.info("connected to \(target); subscribing \(streams.count) streams")
        let batches = stride(from: 0, to: streams.count, by: settings.batchSize).map {
            Array(streams[$0..<min($0 + settings.batchSize, streams.count)])
        }
        sendSubscriptions(batches[...], on: connection)
    }

    private func sendSubscriptions(_ batches: ArraySlice<[String]>, on connection: ConnectionID) {
        guard connection == current, !stopped, let batch = batches.first else { return }
        let request = SubscriptionRequest(id: nextRequestID, method: .subscribe, params: batch)
        nextRequestID += 1
        pending[request.id] = request
        loop.send(text: request.json, on: connection)
        let rest = batches.dropFirst()
        guard !rest.isEmpty else { return }
        queue.asyncAfter(deadline: .now() + .milliseconds(settings.subscribeIntervalMilliseconds)) { [self] in
            sendSubscriptions(rest, on: connection)
        }
    }

    private func handle(_ reply: ControlReply, on connection: ConnectionID) {
        guard connection == current else { return }
        guard let id = reply.id, let request = pending.removeValue(forKey: id) else {
            logger.warning("reply that matches no request: \(reply)")
            return
        }
        switch reply {
        case .result:
            if request.method == .subscribe {
                acknowledged.formUnion(request.params)
                if acknowledged.count == streams.count {
                    logger.info("all \(streams.count) subscriptions acknowledged")
                }
            }
        case .error(_, let code, let message):
            stats.subscriptionError()
            logger.error("server refused \(request.summary): code \(code.map(String.init) ?? "none"): \(message)")
        }
    }

    private func closed(_ connection: ConnectionID, _ reason: CloseReason) {
        guard connection == current else { return }
        current = nil
        openedAtMicros = nil
        guard !stopped else { return }
        stats.reconnect(Self.kind(of: reason))
        let delay = scheduleConnect(afterMilliseconds: backoff.nextDelayMilliseconds())
        logger.warning("\(reason); reconnecting in \(delay) ms (attempt \(backoff.failures))")
    }

    private func checkHealth() {
        guard let connection = current, let openedAt = openedAtMicros else { return }
        let now = WallClock.nowMicroseconds()
        let lastData = lastDataMicros.load(ordering: .relaxed)
        if lastData > openedAt, now - openedAt >= Int64(settings.healthyAfterSeconds) * 1_000_000 {
            backoff.reset()
        }
        guard hasTickingStreams else { return }
        let silentSince = max(lastData, openedAt)
        guard now - silentSince >= Int64(settings.staleAfterSeconds) * 1_000_000 else { return }
        if lastData < openedAt && acknowledged.count == streams.count {
            stats.reconnect("acknowledged-but-silent")
            logger.error("all subscriptions were acknowledged but no data arrived in \(settings.staleAfterSeconds) s; is the endpoint missing its route (e.g. /market)? reconnecting")
        } else {
            stats.reconnect("stale")
            logger.warning("no data for \(settings.staleAfterSeconds) s (stale_after_seconds); closing and reconnecting")
        }
        openedAtMicros = nil
        loop.close(connection, code: 1000, reason: "stale")
    }

    private static func kind(of reason: CloseReason) -> String {
        switch reason {
        case .failedToConnect: "connect-failed"
        case .closedByServer(let code, _): "server-close-\(code.map(String.init) ?? "none")"
        case .connectionLost: "connection-lost"
        case .closedByClient: "closed-by-collector"
        }
    }
}
