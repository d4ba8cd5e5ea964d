import Clocks
import Logging
import MarketDecoding
import Synchronization
import WebSocketTransport

/// One shard of streams (at most `streams_per_connection`) kept covered by WebSocket connections,
/// forever, with every second it could not see marked in the files.
///
/// Lifecycle: connect (spaced by the process-wide `AttemptThrottle`) → SUBSCRIBE in batches paced
/// by `subscribeInterval`, each reply matched to its request by id → live (all answered, data
/// flowing) → on any close, failure or silence, reconnect after a capped, jittered, exponential
/// backoff with the same full URL. The backoff resets only once a connection has been live for a
/// while.
///
/// Make-before-break: when the live connection reaches `renewAfterSeconds`, a replacement is
/// opened and subscribed; the old one is closed only once the replacement is live. Events seen on
/// both are written once (the `FramePipeline` deduplicates).
///
/// Gaps: when the shard loses its live connection without a live replacement, an outage starts at
/// the last moment the old connection is known to have seen everything. When a connection is live
/// again, a `collector.gap` record per stream family goes to the output and `afterGap` runs (the
/// collector fetches a REST snapshot). An outage still open when the collector stops is recorded
/// up to the stop; one found at start-up (the collector was not running) is recorded like any other.
///
/// Time: every age, silence, deadline and delay is measured on the monotonic clock, so a step of
/// the wall clock changes nothing here; the wall clock only dates the gap records.
///
/// Threads: all state is owned by the runtime's queue (every method that touches it asserts so).
/// Each connection's events arrive on the network thread in its `ShardConnection`, which hands
/// messages straight to the output and hops onto the queue for everything else.
final class StreamShard: @unchecked Sendable {
    struct Settings: Sendable {
        var staleAfterSeconds: Int
        var subscribeIntervalMilliseconds: Int
        var reconnectInitialDelayMilliseconds: Int
        var reconnectMaxDelayMilliseconds: Int
        var renewAfterSeconds: Int
        /// A replacement not live this long after its attempt began is dropped (renewal retried later).
        var replacementDeadlineSeconds: Int
        /// Streams per SUBSCRIBE request.
        var batchSize = 50
        /// How long a connection must be live before it counts as good (backoff reset).
        var healthyAfterSeconds = 5
        /// How often liveness, renewal and the watchdog are checked.
        var tickMilliseconds = 1000
        /// How long the old connection may lag behind a live replacement before it is cut anyway.
        var overlapWaitMilliseconds = 2500
    }

    /// Since when the shard's streams have been uncovered, and why.
    private struct Outage {
        let sinceWallMicros: Int64
        /// Nil when the outage began before this run (its length is then a wall-clock difference).
        let sinceMonotonicNanos: Int64?
        let reason: Gap.Reason
        let detail: String

        init(since moment: Moment, reason: Gap.Reason, detail: String) {
            sinceWallMicros = moment.wallMicros
            sinceMonotonicNanos = moment.monotonicNanos
            self.reason = reason
            self.detail = detail
        }

        init(sinceWallMicros: Int64, reason: Gap.Reason, detail: String) {
            self.sinceWallMicros = sinceWallMicros
            sinceMonotonicNanos = nil
            self.reason = reason
            self.detail = detail
        }
    }

    let label: String
    /// When the shard's queue last began its tick (`Heartbeat`).
    let lastTurn = MonotonicStamp()
    private let target: NetworkTarget
    private let settings: Settings
    private let transport: any MarketTransport
    private let output: any ShardOutput
    private let runtime: any ShardRuntime
    private let throttle: AttemptThrottle
    private let stats: CollectorStats
    private let logger: Logger
    private let afterGap: @Sendable (_ streams: [String]) -> Void
    /// Written on the queue; read by anyone (health, status, metrics).
    private let published: Mutex<ShardStatus>

    private var streams: [String]
    private var ticking: Bool

    private var backoff: Backoff
    /// Failures since the shard last had a good connection: logged at its start, summarised, and at its end.
    private var episode = FailureEpisode()
    private var sessions: [ConnectionID: ShardSession] = [:]
    private var primary: ConnectionID?
    private var replacement: ConnectionID?
    private var scheduled = Set<ShardSession.Role>()
    private var outage: Outage?
    private var renewalNotBeforeNanos: Int64 = .min
    private var nextRequestID: Int64 = 1
    private var stopped = false

    /// - Parameter downSinceMicros: when an earlier run last wrote; the outage until this run's
    ///   first live connection is recorded as a `collector-down` gap.
    init(label: String, streams: [String], target: NetworkTarget, settings: Settings, transport: any MarketTransport,
         output: any ShardOutput, runtime: any ShardRuntime, throttle: AttemptThrottle, stats: CollectorStats, logger: Logger,
         downSinceMicros: Int64?, afterGap: @escaping @Sendable (_ streams: [String]) -> Void) {
        self.label = label
        self.streams = streams
        published = Mutex(ShardStatus(label: label, streams: streams))
        self.target = target
        self.settings = settings
        self.transport = transport
        self.output = output
        self.runtime = runtime
        self.throttle = throttle
        self.stats = stats
        self.afterGap = afterGap
        self.logger = logger.with("connection", label)
        ticking = Self.anyTicking(streams)
        backoff = Backoff(initialMilliseconds: settings.reconnectInitialDelayMilliseconds,
                          maximumMilliseconds: settings.reconnectMaxDelayMilliseconds)
        outage = downSinceMicros.map {
            Outage(sinceWallMicros: $0, reason: .collectorDown,
                   detail: "the collector was not running (last write of the previous run until this run's first live connection)")
        }
    }

    func start() {
        runtime.async { [self] in
            runtime.every(nanoseconds: Int64(settings.tickMilliseconds) * 1_000_000) { [self] in
                guard !stopped else { return false }
                tick()
                return true
            }
            scheduleConnect(.primary, afterMilliseconds: 0)
        }
    }

    /// Stops reconnecting and records an outage still open. Gap records are queued on the
    /// output before this returns. `closingConnections` closes the shard's sockets (a shard
    /// removed by a reload); otherwise the network loop closes them when it stops.
    func stop(closingConnections: Bool = false) {
        runtime.sync {
            stopped = true
            // A primary live by now ends the outage at its live moment; otherwise it runs to now.
            if let id = primary { progressed(id) }
            if let outage {
                recordGap(outage, until: runtime.now, stillOpen: true)
                self.outage = nil
            }
            if closingConnections {
                for id in sessions.keys { transport.close(id, code: 1000, reason: "unsubscribed") }
            }
        }
    }

    /// Runs `answer` on the shard's queue behind the work already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        runtime.async(answer)
    }

    /// What the shard is doing, as of its last tick or change of connection.
    var status: ShardStatus { published.withLock { $0 } }

    /// Changes the shard's streams without touching the others: connections already subscribed
    /// get UNSUBSCRIBE for the removed ones and SUBSCRIBE for the added ones; connections made
    /// later subscribe to the new list.
    func update(streams newStreams: [String]) {
        runtime.sync {
            let removed = streams.filter { !newStreams.contains($0) }
            let added = newStreams.filter { !streams.contains($0) }
            guard !removed.isEmpty || !added.isEmpty else { return }
            streams = newStreams
            ticking = Self.anyTicking(newStreams)
            published.withLock { $0.streams = newStreams }
            let unsubscribing = batches(removed), subscribing = batches(added)
            for (id, session) in sessions where session.openedAt != nil && session.role != .retiring {
                sessions[id]?.requestsToSend += unsubscribing.count + subscribing.count
                send(.unsubscribe, unsubscribing[...], on: id)
                send(.subscribe, subscribing[...], on: id)
            }
            logger.info("streams changed: +\(added.count) -\(removed.count), \(newStreams.count) on this connection")
        }
    }

    // MARK: - Connection events (hopped onto the queue by ShardConnection)

    func connectionOpened(_ id: ConnectionID) {
        runtime.async { [self] in opened(id) }
    }

    func connectionClosed(_ id: ConnectionID, _ reason: CloseReason) {
        runtime.async { [self] in closed(id, reason) }
    }

    func connection(_ id: ConnectionID, replied reply: ControlReply) {
        runtime.async { [self] in handle(reply, on: id) }
    }

    func connectionDeliveredFirstData(_ id: ConnectionID) {
        runtime.async { [self] in progressed(id) }
    }

    // MARK: - Connecting and subscribing (queue)

    /// Schedules an attempt for `role`; returns the real delay in ms (the throttle may add to it).
    @discardableResult
    private func scheduleConnect(_ role: ShardSession.Role, afterMilliseconds delay: Int) -> Int {
        runtime.assertOnQueue()
        scheduled.insert(role)
        let now = runtime.now.monotonicNanos
        let slot = throttle.reserve(notBefore: now + Int64(delay) * 1_000_000)
        runtime.after(nanoseconds: slot - now) { [self] in
            scheduled.remove(role)
            guard !stopped else { return }
            switch role {
            case .primary: guard primary == nil else { return }
            case .replacement: guard replacement == nil, primary != nil else { return }
            case .retiring: return
            }
            let activity = ShardSession.Activity()
            let id = transport.open(target, delegate: ShardConnection(shard: self, label: label, activity: activity, output: output))
            sessions[id] = ShardSession(id: id, role: role, activity: activity, attemptedAt: runtime.now)
            if role == .primary { primary = id } else { replacement = id }
            logger.debug("connecting (\(role))", metadata: ["url": "\(target)"])
        }
        return Int((slot - now) / 1_000_000)
    }

    private func opened(_ id: ConnectionID) {
        runtime.assertOnQueue()
        guard !stopped, sessions[id] != nil else { return }
        let batches = batches(streams)
        sessions[id]?.openedAt = runtime.now
        sessions[id]?.requestsToSend = batches.count
        logger.log(level: episode.isOngoing ? .debug : .info,
                   "connected to \(target)\(sessions[id]?.role == .replacement ? " (replacement)" : ""); subscribing \(streams.count) streams")
        send(.subscribe, batches[...], on: id)
        publishStatus()
    }

    private func batches(_ streams: [String]) -> [[String]] {
        streams.chunked(into: settings.batchSize)
    }

    /// Sends one request per batch, `subscribeInterval` apart (Binance allows 10 messages/s).
    private func send(_ method: SubscriptionRequest.Method, _ batches: ArraySlice<[String]>, on id: ConnectionID) {
        runtime.assertOnQueue()
        guard !stopped, sessions[id] != nil, let batch = batches.first else { return }
        let request = SubscriptionRequest(id: nextRequestID, method: method, params: batch)
        nextRequestID += 1
        sessions[id]?.pending[request.id] = request
        sessions[id]?.requestsToSend -= 1
        transport.send(text: request.json, on: id)
        let rest = batches.dropFirst()
        guard !rest.isEmpty else { return }
        runtime.after(nanoseconds: Int64(settings.subscribeIntervalMilliseconds) * 1_000_000) { [self] in
            send(method, rest, on: id)
        }
    }

    private func handle(_ reply: ControlReply, on id: ConnectionID) {
        runtime.assertOnQueue()
        guard var session = sessions[id] else { return }
        guard let requestID = reply.id, let request = session.pending.removeValue(forKey: requestID) else {
            logger.warning("reply that matches no request: \(reply)")
            return
        }
        switch reply {
        case .result:
            switch request.method {
            case .subscribe: session.acknowledged.formUnion(request.params)
            case .unsubscribe: session.acknowledged.subtract(request.params)
            }
        case .error(_, let code, let message):
            session.refused.formUnion(request.params)
            stats.subscriptionError()
            logger.error("server refused \(request.summary): code \(code.map(String.init) ?? "none"): \(message)")
        }
        if session.pending.isEmpty, session.requestsToSend == 0, session.answeredAllAt == nil {
            session.answeredAllAt = runtime.now
            if session.refused.isEmpty {
                logger.log(level: episode.isOngoing ? .debug : .info, "all \(streams.count) subscriptions acknowledged")
            } else {
                logger.error("\(session.refused.count) of \(streams.count) subscriptions refused; they are retried on the next reconnect")
            }
        }
        sessions[id] = session
        progressed(id)
        publishStatus()
    }

    /// A session's requests were all answered or its first data arrived: if that makes the
    /// primary live, the outage before it ends now (its gap is written at once, not on the next
    /// tick, so a crash or a drop right after cannot lose it). Once stopped, there is no outage
    /// left to end.
    private func progressed(_ id: ConnectionID) {
        runtime.assertOnQueue()
        sessions[id]?.updateLiveness(ticking: ticking)
        guard id == primary, let liveSince = sessions[id]?.liveSince else { return }
        let announced = published.withLock { status in
            defer { status.retry = nil }
            return status.liveSinceNanos == liveSince.monotonicNanos && status.retry == nil
        }
        if !announced { publishStatus() }
        guard let outage else { return }
        self.outage = nil
        recordGap(outage, until: liveSince, stillOpen: false)
    }

    // MARK: - Liveness, renewal, watchdog (queue, every tick)

    private func tick() {
        runtime.assertOnQueue()
        let now = runtime.now
        lastTurn.set(now.monotonicNanos)
        defer { publishStatus() }
        for id in Array(sessions.keys) { progressed(id) }
        if let id = replacement, let liveSince = sessions[id]?.liveSince { considerPromoting(replacementLiveSince: liveSince, now: now) }
        if let id = replacement, let session = sessions[id], session.liveSince == nil,
           now.nanoseconds(since: session.attemptedAt) >= Self.nanoseconds(seconds: settings.replacementDeadlineSeconds) {
            logger.warning("the replacement connection did not go live in time; keeping the current one and retrying the renewal later")
            retire(id, reason: "replacement too slow")
            replacement = nil
            renewalNotBeforeNanos = now.monotonicNanos + Self.nanoseconds(seconds: settings.staleAfterSeconds)
        }
        guard let id = primary, let session = sessions[id] else { return }
        if let liveSince = session.liveSince {
            if now.nanoseconds(since: liveSince) >= Self.nanoseconds(seconds: settings.healthyAfterSeconds) { connectionIsGood(now) }
            if replacement == nil, !scheduled.contains(.replacement), now.monotonicNanos >= renewalNotBeforeNanos,
               let openedAt = session.openedAt, now.nanoseconds(since: openedAt) >= Self.nanoseconds(seconds: settings.renewAfterSeconds) {
                logger.info("connection is \(now.nanoseconds(since: openedAt) / 1_000_000_000) s old (renew_after_seconds): opening its replacement before closing it")
                scheduleConnect(.replacement, afterMilliseconds: 0)
            }
        }
        checkSilence(session, now: now)
    }

    /// The primary has been live long enough: the backoff starts over and a failure episode ends.
    private func connectionIsGood(_ now: Moment) {
        backoff.reset()
        if case .ended(let failures, let seconds) = episode.succeeded(nowNanos: now.monotonicNanos) {
            logger.notice("streams live again after \(FailureEpisode.describe(seconds: seconds)) and \(failures) failed or lost connection(s)")
        }
    }

    private func publishStatus() {
        let session = primary.flatMap { sessions[$0] }
        published.withLock {
            $0.ticking = ticking
            $0.openedAtNanos = session?.openedAt?.monotonicNanos
            $0.liveSinceNanos = session?.liveSince?.monotonicNanos
            $0.lastDataNanos = session?.activity.last?.monotonicNanos
            $0.answered = session?.answeredAllAt != nil
            if $0.answered { $0.answeredOnce = true }
        }
    }

    /// Promotes a live replacement once the overlap is proven: the old connection has delivered
    /// data at least as recent as the replacement's first. An old connection that stays behind
    /// for `overlapWait` is cut anyway, and the stretch it missed is recorded as a gap.
    private func considerPromoting(replacementLiveSince liveSince: Moment, now: Moment) {
        guard ticking, let old = primary, let oldSession = sessions[old], oldSession.liveSince != nil else {
            return promoteReplacement(now)
        }
        let oldLast = oldSession.activity.last
        if let oldLast, oldLast.monotonicNanos >= liveSince.monotonicNanos { return promoteReplacement(now) }
        guard now.nanoseconds(since: liveSince) >= Int64(settings.overlapWaitMilliseconds) * 1_000_000 else { return }
        promoteReplacement(now)
        recordGap(Outage(since: oldLast ?? oldSession.liveSince ?? liveSince, reason: .connectionLost,
                         detail: "the old connection fell silent before its replacement took over"),
                  until: liveSince, stillOpen: false)
    }

    private func promoteReplacement(_ now: Moment) {
        guard let next = replacement else { return }
        if let old = primary {
            let age = sessions[old]?.openedAt.map { now.nanoseconds(since: $0) / 1_000_000_000 } ?? 0
            logger.info("replacement is live; closing the connection opened \(age) s ago")
            retire(old, reason: "renewed")
            stats.renewed()
        }
        sessions[next]?.role = .primary
        primary = next
        replacement = nil
    }

    /// The watchdog: a primary whose ticking streams are silent for `staleAfterSeconds` is dropped.
    private func checkSilence(_ session: ShardSession, now: Moment) {
        guard ticking, let openedAt = session.openedAt else { return }
        let lastData = session.activity.last
        let quietSince = max(lastData?.monotonicNanos ?? .min, openedAt.monotonicNanos)
        guard now.monotonicNanos - quietSince >= Self.nanoseconds(seconds: settings.staleAfterSeconds) else { return }
        let kind: String
        if lastData == nil && session.answeredAllAt != nil && session.refused.isEmpty {
            kind = "acknowledged-but-silent"
            logger.error("all subscriptions were acknowledged but no data arrived in \(settings.staleAfterSeconds) s; is the endpoint missing its route (e.g. /market)? reconnecting")
        } else {
            kind = "stale"
            logger.warning("no data for \(settings.staleAfterSeconds) s (stale_after_seconds); closing and reconnecting")
        }
        retire(session.id, reason: kind)
        primaryEnded(session, kind: kind, detail: "no data for \(settings.staleAfterSeconds) s (\(kind))")
    }

    // MARK: - Endings (queue)

    private func closed(_ id: ConnectionID, _ reason: CloseReason) {
        runtime.assertOnQueue()
        guard let session = sessions.removeValue(forKey: id), !stopped else { return }
        switch session.role {
        case .retiring:
            break
        case .replacement:
            replacement = nil
            renewalNotBeforeNanos = runtime.now.monotonicNanos + Self.nanoseconds(seconds: settings.staleAfterSeconds)
            logger.warning("replacement connection: \(reason); keeping the current one and retrying the renewal later")
        case .primary:
            primaryEnded(session, kind: Self.kind(of: reason), detail: reason.description)
        }
    }

    /// Closes a session on purpose; its close event is then ignored.
    private func retire(_ id: ConnectionID, reason: String) {
        sessions[id]?.role = .retiring
        transport.close(id, code: 1000, reason: reason)
    }

    /// The primary is gone: start an outage if it was live, then continue on the replacement or
    /// reconnect after the backoff.
    private func primaryEnded(_ ended: ShardSession, kind: String, detail: String) {
        var session = ended
        session.updateLiveness(ticking: ticking)
        primary = nil
        stats.reconnect(kind)
        let now = runtime.now
        if outage == nil, session.liveSince != nil, let since = session.coveredUntil(now, ticking: ticking) {
            outage = Outage(since: since, reason: .connectionLost, detail: detail)
        }
        if let next = replacement {
            sessions[next]?.role = .primary
            primary = next
            replacement = nil
            logger.warning("\(detail); continuing on the replacement connection")
            return
        }
        let delay = scheduleConnect(.primary, afterMilliseconds: backoff.nextDelayMilliseconds())
        published.withLock {
            $0.retry = ShardStatus.Retry(atNanos: now.monotonicNanos + Int64(delay) * 1_000_000, attempt: backoff.failures, cause: detail)
        }
        let next = "reconnecting in \(delay) ms (attempt \(backoff.failures))"
        switch episode.failed(nowNanos: now.monotonicNanos) {
        case .started:
            logger.warning("\(detail); \(next); further failures are summarised every \(FailureEpisode.describe(seconds: episode.summaryIntervalNanos / 1_000_000_000))")
        case .continuing(let failures, let seconds):
            logger.warning("still no live connection: \(failures) failed or lost connections in \(FailureEpisode.describe(seconds: seconds)); last: \(detail); \(next)")
        case .ended, nil:
            logger.debug("\(detail); \(next)")
        }
    }

    /// Writes one `collector.gap` per stream family of the shard, unless the outage was covered.
    /// Its `from`/`to` are wall-clock dates; its length is measured on the monotonic clock when
    /// this run saw both ends, so a step of the wall clock in between does not change it.
    private func recordGap(_ outage: Outage, until: Moment, stillOpen: Bool) {
        let elapsedMicros = outage.sinceMonotonicNanos.map { (until.monotonicNanos - $0) / 1000 } ?? (until.wallMicros - outage.sinceWallMicros)
        guard elapsedMicros > 0 else { return }
        let now = runtime.now
        let detail = stillOpen ? "\(outage.detail); the collector stopped before the streams were back" : outage.detail
        var byFamily: [StreamFamily: [String]] = [:]
        for stream in streams { byFamily[StreamCatalog.family(of: stream), default: []].append(stream) }
        let records = byFamily.sorted { $0.key.name < $1.key.name }.map { family, names in
            Gap(family: family, streams: names, fromMicros: outage.sinceWallMicros, toMicros: until.wallMicros,
                reason: outage.reason, detail: detail, source: label, elapsedMicros: elapsedMicros).record(writtenAtMicros: now.wallMicros)
        }
        output.submit(records)
        let seconds = Double(elapsedMicros) / 1e6
        stats.gap(seconds: seconds)
        logger.warning("recorded a gap of \(SecondsText.milliseconds(seconds)) s in \(streams.count) streams (\(outage.reason.rawValue): \(detail))")
        if !stillOpen && !stopped { afterGap(streams) }
    }

    private static func nanoseconds(seconds: Int) -> Int64 { Int64(seconds) * 1_000_000_000 }

    private static func anyTicking(_ streams: [String]) -> Bool {
        streams.contains { !StreamCatalog.isSparse($0) }
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
