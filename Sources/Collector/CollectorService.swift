import Clocks
import FoundationEssentials
import Logging
import MarketDecoding
import RecordStorage
import Synchronization
import WebSocketTransport

/// The running daemon: network loop → decoding → storage, with one `StreamShard` per shard
/// of at most `streamsPerConnection` streams.
///
/// Threads (README, "Threads", has the table): the libwebsockets service thread hands each
/// message to the decode queue (`FramePipeline`), which hands records to the writer queue
/// (`RecordWriter`) and replies and first data to the shard's queue (`StreamShard`); shards and
/// REST pollers send commands back to the service thread through the loop's command queue.
/// Decoding, the writer and the shards' queues all target one serial queue whose single timer
/// (`Beat`) drives their periodic work: at Binance's rate the collector wakes a thread for each
/// frame and once a second, not once per component.
///
/// `start` returns once everything is running — whether or not the exchange answers; `reload`
/// changes streams, symbols and output settings while running; `stop` stops reading, writes
/// everything already received, closes the files and returns (well within 2 s). `health` and
/// `checkHeartbeat` may be called from any thread.
public final class CollectorService: Sendable {
    public let stats: CollectorStats
    private let logger: Logger
    private let loop: NetworkLoop
    private let writer: RecordWriter
    private let pipeline: FramePipeline
    private let snapshots: AssetIndexSnapshots?
    private let makePoller: @Sendable (RestSourceConfiguration) -> RestPoller?
    private let makeShard: @Sendable (_ label: String, _ streams: [String], _ downSinceMicros: Int64?) -> StreamShard
    private let state: Mutex<State>
    private let gauges = CollectorGauges()
    private let heartbeat = Heartbeat()
    /// The queue decoding, the writer and the connections' control run on, and their one periodic timer.
    private let beat: Beat
    private let clockSteps = Mutex(ClockStepDetector())

    private struct State {
        var configuration: CollectorConfiguration
        var shards: [StreamShard]
        var shardsMade: Int
        /// Running pollers of the enabled sources that have what they need (API key).
        var pollers: [RestPoller]
    }

    public init(configuration: CollectorConfiguration, logger: Logger) throws(CollectorError) {
        self.logger = logger
        let stats = CollectorStats()
        self.stats = stats
        let target: NetworkTarget
        do {
            target = try NetworkTarget(url: configuration.endpoint + "/stream", accepting: NetworkTarget.Scheme.webSocket)
        } catch {
            throw .invalidEndpoint(error.description)
        }
        var options = NetworkLoop.Options(caFile: configuration.caFile)
        options.pingAfterSeconds = UInt16(configuration.pingAfterSeconds)
        options.hangupAfterSeconds = UInt16(configuration.hangupAfterSeconds)
        options.connectTimeoutSeconds = UInt32(configuration.connectTimeoutSeconds)
        let budget = ReceiveBudget(high: configuration.inflightBytes, low: configuration.inflightBytes / 2)
        let libraryLogger = logger
        // libwebsockets' own lines repeat per connection attempt; their substance reaches the
        // connection's failure reason (and its log line) anyway.
        loop = NetworkLoop(options: options, budget: budget) { _, line in
            libraryLogger.debug("libwebsockets: \(line)")
        }
        let beat = Beat { [loop] in loop.repace() }
        self.beat = beat
        do {
            writer = try RecordWriter(configuration: configuration.storage, beat: beat, stats: stats, logger: logger)
        } catch {
            throw .storage(error)
        }
        let loop = self.loop, writer = self.writer
        let pipeline = FramePipeline(decoder: FrameDecoder(maximumFrameBytes: configuration.maxFrameBytes),
                                 writer: writer, beat: beat, stats: stats, logger: logger,
                                 release: { bytes in loop.release(bytes: bytes) })
        self.pipeline = pipeline
        let settings = StreamShard.Settings(
            staleAfterSeconds: configuration.staleAfterSeconds,
            subscribeIntervalMilliseconds: configuration.subscribeIntervalMilliseconds,
            reconnectInitialDelayMilliseconds: configuration.reconnectInitialDelayMilliseconds,
            reconnectMaxDelayMilliseconds: configuration.reconnectMaxDelayMilliseconds,
            renewAfterSeconds: configuration.renewAfterSeconds,
            replacementDeadlineSeconds: configuration.connectTimeoutSeconds + configuration.staleAfterSeconds)
        let throttle = AttemptThrottle(minimumSpacingMilliseconds: 1000)
        let restBodyBytes = 16 << 20
        let client = RestClient(loop: loop, budget: RequestWeightBudget(limitPerMinute: configuration.rest.weightPerMinute),
                                timeoutSeconds: configuration.rest.timeoutSeconds, maximumBodyBytes: restBodyBytes)
        if let rest = configuration.restEndpoint {
            do {
                snapshots = AssetIndexSnapshots(base: try NetworkTarget(url: rest, accepting: NetworkTarget.Scheme.web), client: client,
                                                pipeline: pipeline, stats: stats, logger: logger, maximumBodyBytes: restBodyBytes)
            } catch {
                throw .invalidEndpoint(error.description)
            }
        } else {
            snapshots = nil
        }
        let pollerSettings = RestPoller.Settings(retryInitialDelayMilliseconds: configuration.rest.retryInitialDelayMilliseconds,
                                                 retryMaxDelayMilliseconds: configuration.rest.retryMaxDelayMilliseconds,
                                                 maximumBodyBytes: restBodyBytes)
        makePoller = { source in
            Self.poller(for: source, client: client, pipeline: pipeline, stats: stats, logger: logger, settings: pollerSettings)
        }
        let snapshots = self.snapshots
        let makeShard: @Sendable (String, [String], Int64?) -> StreamShard = { label, streams, downSince in
            StreamShard(label: label, streams: streams, target: target, settings: settings, transport: loop, output: pipeline,
                        runtime: DispatchShardRuntime(label: label, beat: beat), throttle: throttle, stats: stats, logger: logger,
                        downSinceMicros: downSince,
                        afterGap: { streams in
                            if streams.contains(where: { StreamCatalog.family(of: $0) == .assetIndex }) { snapshots?.request() }
                        })
        }
        self.makeShard = makeShard
        let downSince = writer.previousRunLastWriteMicros
        let groups = configuration.allStreams.chunked(into: configuration.streamsPerConnection)
        let shards = groups.enumerated().map { index, streams in makeShard("market-\(index + 1)", streams, downSince) }
        let pollers = configuration.rest.sources.compactMap(makePoller)
        state = Mutex(State(configuration: configuration, shards: shards, shardsMade: shards.count, pollers: pollers))
    }

    /// A poller for `source`, or nil (with one log line saying why) when it is disabled or lacks
    /// its API key.
    private static func poller(for source: RestSourceConfiguration, client: RestClient, pipeline: FramePipeline, stats: CollectorStats,
                               logger: Logger, settings: RestPoller.Settings) -> RestPoller? {
        guard source.enabled else {
            logger.info("REST source disabled (enabled: false)", metadata: ["source": "\(source.name)", "url": "\(source.endpoint)"])
            return nil
        }
        var apiKey: APIKey?
        if source.document.needsAPIKey {
            switch APIKey.load(for: source, environment: ProcessInfo.processInfo.environment, warning: { logger.warning("\($0)") }) {
            case .success(let key):
                apiKey = key
            case .failure(let problem):
                logger.warning("REST source disabled: \(problem)", metadata: ["source": "\(source.name)", "url": "\(source.endpoint)"])
                return nil
            }
        }
        return RestPoller(source: source, apiKey: apiKey, client: client, pipeline: pipeline, stats: stats, logger: logger, settings: settings)
    }

    /// The configuration in effect (after any reloads).
    public var configuration: CollectorConfiguration { state.withLock { $0.configuration } }

    public func start() throws(CollectorError) {
        do {
            try loop.start(pacemaker: beat) { [pipeline] loopEnding in pipeline.passEnded(loopEnding: loopEnding) }
        } catch {
            throw .transport(error.description)
        }
        let (configuration, shards) = state.withLock { ($0.configuration, $0.shards) }
        logger.info("collecting \(configuration.allStreams.count) streams from \(configuration.endpoint) on \(shards.count) connection(s) into \(configuration.storage.directory)")
        for shard in shards { shard.start() }
        for poller in state.withLock({ $0.pollers }) { poller.start() }
        beat.every(nanoseconds: 1_000_000_000) { [weak self] in
            guard let self else { return false }
            checkClock()
            return true
        }
    }

    /// Applies what can change while running — streams and symbols (added and removed on the
    /// open connections, the others untouched), REST sources (changed ones restart, unchanged ones
    /// keep their state), output settings (new files start at once), the log level — and returns the keys that changed but need a restart (their running values
    /// are kept). Call from one task at a time.
    @discardableResult
    public func reload(_ requested: CollectorConfiguration) -> [String] {
        let (running, shards, made, pollers) = state.withLock { ($0.configuration, $0.shards, $0.shardsMade, $0.pollers) }
        let restartOnly = running.restartOnlyChanges(to: requested)
        let next = running.reloaded(from: requested)
        writer.reconfigure(next.storage)
        let plan = Self.reassign(next.allStreams, over: shards.map(\.status.streams), limit: next.streamsPerConnection)
        var kept: [StreamShard] = []
        for (shard, streams) in zip(shards, plan.existing) {
            if streams.isEmpty {
                shard.stop(closingConnections: true)
            } else {
                shard.update(streams: streams)
                kept.append(shard)
            }
        }
        let added = plan.added.enumerated().map { offset, streams in makeShard("market-\(made + offset + 1)", streams, nil) }
        for shard in added { shard.start() }
        let keptPollers = pollers.filter { next.rest.sources.contains($0.source) }
        for poller in pollers where !next.rest.sources.contains(poller.source) { poller.stop() }
        let newPollers = next.rest.sources.filter { source in !keptPollers.contains { $0.source == source } }.compactMap(makePoller)
        for poller in newPollers { poller.start() }
        state.withLock {
            $0.configuration = next
            $0.shards = kept + added
            $0.shardsMade = made + added.count
            $0.pollers = keptPollers + newPollers
        }
        logger.info("configuration reloaded: \(next.allStreams.count) streams on \(kept.count + added.count) connection(s); files reopened")
        return restartOnly
    }

    /// How the collector is doing right now (`nowNanos`: the monotonic clock).
    public func health(nowNanos: Int64 = MonotonicClock.nowNanoseconds()) -> CollectorHealth {
        let (configuration, shards) = state.withLock { ($0.configuration, $0.shards) }
        return CollectorHealth(shards: shards.map(\.status), writer: writer.status, stalls: heartbeat.stalls, stats: stats.snapshot,
                               clock: ClockSynchronisation.read(),
                               staleNanos: Int64(configuration.staleAfterSeconds) * 1_000_000_000, nowNanos: nowNanos)
    }

    /// Probes every long-lived thread and queue — the libwebsockets service thread, decoding, the
    /// writer and its background syncs, each connection's control queue, each REST poller — and returns those whose probe
    /// has waited longer than `limit` (see `Heartbeat`). Call it regularly; `health` reports the
    /// latest answer.
    @discardableResult
    public func checkHeartbeat(limit: Duration) -> [Heartbeat.Stall] {
        let (shards, pollers) = state.withLock { ($0.shards, $0.pollers) }
        let loop = self.loop, pipeline = self.pipeline, writer = self.writer
        var participants = [
            Heartbeat.Participant(name: "network thread", lastTurn: loop.lastTurn) { loop.probe($0) },
            Heartbeat.Participant(name: "decoding", lastTurn: pipeline.lastTurn) { pipeline.probe($0) },
            Heartbeat.Participant(name: "writer", lastTurn: writer.lastTurn) { writer.probe($0) },
            Heartbeat.Participant(name: "disk sync") { writer.background.probe($0) },
        ]
        participants += shards.map { shard in Heartbeat.Participant(name: "\(shard.label) control", lastTurn: shard.lastTurn) { shard.probe($0) } }
        participants += pollers.map { poller in Heartbeat.Participant(name: "REST \(poller.source.name)") { poller.probe($0) } }
        if let snapshots { participants.append(Heartbeat.Participant(name: "REST snapshots") { snapshots.probe($0) }) }
        return heartbeat.check(participants, limit: limit, period: .nanoseconds(max(500_000_000, limit.inNanoseconds / 4)))
    }

    /// Compares the wall clock with the monotonic one; a step is logged once with its size and
    /// counted (`stream_collector_clock_steps_total`), and changes nothing else: ages, silences and
    /// timers run on the monotonic clock, only the dates written follow the new time. Runs every
    /// second on the beat.
    private func checkClock(now: Moment = .now()) {
        guard let step = clockSteps.withLock({ $0.observe(now) }) else { return }
        let seconds = Double(step) / 1e6
        stats.clockStepped(seconds: seconds)
        logger.warning("the wall clock stepped \(step > 0 ? "forward" : "back") by \(SecondsText.milliseconds(abs(seconds))) s (NTP, chrony or an operator); nothing reconnects or renews for it: durations are measured on the monotonic clock, while recvTime, gap dates, file names and hour folders follow the new time", metadata: ["clock": "wall"])
    }

    /// Sets the moment-describing gauges (connection state and age, seconds since each stream's
    /// last event, buffer fill, health); a metrics exporter calls it before each scrape.
    public func refreshGauges(nowNanos: Int64 = MonotonicClock.nowNanoseconds()) {
        let bufferLimit = configuration.storage.bufferBytes
        gauges.refresh(health(nowNanos: nowNanos), lastEventWrittenNanos: stats.snapshot.lastEventWrittenNanos,
                       bufferLimitBytes: bufferLimit, nowNanos: nowNanos)
    }

    public func stop() {
        let (shards, pollers) = state.withLock { ($0.shards, $0.pollers) }
        for shard in shards { shard.stop() }
        for poller in pollers { poller.stop() }
        snapshots?.stop()
        loop.stop()
        pipeline.flush()
        writer.close()
        let snapshot = stats.snapshot
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        logger.info("stopped: \(snapshot.framesReceived) frames received; records written: \(list(snapshot.recordsWritten)); rejected: \(list(snapshot.rejected)); gaps: \(snapshot.gaps) (\(SecondsText.milliseconds(snapshot.gapSeconds)) s); renewals: \(snapshot.renewals); REST snapshots: \(list(snapshot.snapshots)); REST requests: \(list(snapshot.restRequests)); duplicates dropped: \(snapshot.duplicatesDropped); reconnects: \(list(snapshot.reconnects))")
    }

    /// Which streams each existing shard keeps (in its order), where the new ones go (into
    /// shards with room first, then new shards of at most `limit`).
    static func reassign(_ wanted: [String], over current: [[String]], limit: Int) -> (existing: [[String]], added: [[String]]) {
        let wantedSet = Set(wanted)
        var existing = current.map { $0.filter { wantedSet.contains($0) } }
        let placed = Set(existing.joined())
        var fresh = wanted.filter { !placed.contains($0) }[...]
        for index in existing.indices where !existing[index].isEmpty {
            let room = max(0, limit - existing[index].count)
            existing[index] += fresh.prefix(room)
            fresh = fresh.dropFirst(room)
        }
        return (existing, Array(fresh).chunked(into: limit))
    }
}

/// Why the daemon could not start, with what to do about it.
public enum CollectorError: Error, Sendable, CustomStringConvertible {
    case invalidEndpoint(String)
    case storage(StorageError)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let detail): "the endpoint is unusable: \(detail); fix 'endpoint' in the configuration"
        case .storage(let error): "\(error); check that output.directory exists or can be created and is writable by this user"
        case .transport(let detail): "\(detail); check tls.ca_file and that no other collector runs in this process"
        }
    }
}
