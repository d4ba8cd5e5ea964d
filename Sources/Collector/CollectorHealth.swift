import MarketDecoding

/// How the collector is doing at one moment: what the systemd status line and watchdog, the
/// `/healthz` endpoint and the gauges are decided from.
///
/// Two questions are kept apart. *Is the daemon working?* — every long-lived thread and queue
/// answers its heartbeat (`stalls` is empty): what systemd's watchdog is fed from, since a restart
/// can mend a wedged thread. *Is the market being captured?* — every connection live and its
/// ticking streams fresh, the disk accepting writes: what `/healthz`, `STATUS=` and the metrics
/// report, since a restart never brings an exchange back.
public struct CollectorHealth: Sendable {
    public let shards: [ShardStatus]
    public let writer: WriterStatus
    /// Threads or queues that have not answered their heartbeat probe in time.
    public let stalls: [Heartbeat.Stall]
    /// Every connection has had all its subscriptions answered at least once.
    public let ready: Bool
    /// Every connection is live and its ticking streams delivered within `stale_after_seconds`.
    public let flowing: Bool
    public let streams: Int
    public let liveStreams: Int
    public let recordsWritten: Int
    public let gaps: Int
    /// Why the streams that are not live are not, e.g. `reconnecting in 20 s (attempt 9): connection refused`.
    public let upstream: String?
    /// Whether the host clock, which every `recvTime` comes from, is synchronised; nil when the
    /// kernel's answer cannot be read. An unsynchronised clock is named, never unhealthy: the
    /// capture goes on and a restart would not mend it.
    public let clock: ClockSynchronisation?

    /// `nowNanos` and `staleNanos` are on the monotonic clock.
    init(shards: [ShardStatus], writer: WriterStatus, stalls: [Heartbeat.Stall], stats: CollectorStats.Snapshot,
         clock: ClockSynchronisation?, staleNanos: Int64, nowNanos: Int64) {
        self.shards = shards
        self.clock = clock
        self.writer = writer
        self.stalls = stalls
        ready = shards.allSatisfy(\.answeredOnce)
        let live = shards.filter { $0.isFlowing(nowNanos: nowNanos, staleNanos: staleNanos) }
        flowing = live.count == shards.count
        streams = shards.reduce(0) { $0 + $1.streams.count }
        liveStreams = live.reduce(0) { $0 + $1.streams.count }
        recordsWritten = stats.recordsWritten.values.reduce(0, +)
        gaps = stats.gaps
        let waiting = shards.filter { shard in !live.contains { $0.label == shard.label } }
        upstream = waiting.isEmpty ? nil : waiting.map { shard in
            let prefix = shards.count > 1 ? "\(shard.label) " : ""
            return prefix + shard.activity(nowNanos: nowNanos)
        }.joined(separator: "; ")
    }

    /// Every thread and queue is turning: what systemd's watchdog requires.
    public var working: Bool { stalls.isEmpty }

    /// Working, events flowing and the disk writing: what `/healthz` requires.
    public var healthy: Bool { problem == nil }

    /// Why `/healthz` answers 503, or nil.
    public var problem: String? {
        if !stalls.isEmpty { return "a thread is wedged: " + stalls.map(\.description).joined(separator: ", ") }
        if writer.failing { return "the disk refuses writes (\(writer.bufferedBytes) bytes buffered)" }
        if !flowing { return "\(liveStreams)/\(streams) streams live" + (upstream.map { "; \($0)" } ?? "") }
        return nil
    }

    /// One line for `systemctl status`.
    public var summary: String {
        let writing = writer.failing ? "disk refusing writes, \(writer.bufferedBytes) bytes buffered" : "writing"
        let waiting = upstream.map { "; \($0)" } ?? ""
        let wedged = stalls.isEmpty ? "" : "; wedged: " + stalls.map(\.description).joined(separator: ", ")
        let clock = self.clock.flatMap(\.problem).map { "; \($0)" } ?? ""
        return "\(liveStreams)/\(streams) streams live\(waiting); \(recordsWritten) records written; \(gaps) gaps; \(writing)\(wedged)\(clock)"
    }
}

/// The storage stage as seen from other threads, updated after every batch and tick.
public struct WriterStatus: Sendable {
    /// The disk refuses writes; records wait in memory.
    public var failing = false
    /// Bytes of records waiting in memory.
    public var bufferedBytes = 0
}
