import MarketDecoding

/// How the collector is doing at one moment: what systemd's readiness, status line and
/// watchdog, and the `/healthz` endpoint, are decided from.
public struct CollectorHealth: Sendable {
    public let shards: [ShardStatus]
    public let writer: WriterStatus
    /// Every connection has had all its subscriptions answered at least once (`READY=1`).
    public let ready: Bool
    /// Every connection is live and its ticking streams delivered within `stale_after_seconds`.
    public let flowing: Bool
    public let streams: Int
    public let liveStreams: Int
    public let recordsWritten: Int
    public let gaps: Int

    init(shards: [ShardStatus], writer: WriterStatus, stats: CollectorStats.Snapshot, staleMicros: Int64, nowMicros: Int64) {
        self.shards = shards
        self.writer = writer
        ready = shards.allSatisfy(\.answeredOnce)
        flowing = shards.allSatisfy { $0.isFlowing(nowMicros: nowMicros, staleMicros: staleMicros) }
        streams = shards.reduce(0) { $0 + $1.streams.count }
        liveStreams = shards.filter { $0.isFlowing(nowMicros: nowMicros, staleMicros: staleMicros) }.reduce(0) { $0 + $1.streams.count }
        recordsWritten = stats.recordsWritten.values.reduce(0, +)
        gaps = stats.gaps
    }

    /// Events are flowing and the writer is writing: what the watchdog and `/healthz` require.
    public var healthy: Bool { flowing && !writer.failing }

    /// One line for `systemctl status`.
    public var summary: String {
        let writing = writer.failing ? "disk refusing writes, \(writer.bufferedBytes) bytes buffered" : "writing"
        return "\(liveStreams)/\(streams) streams live; \(recordsWritten) records written; \(gaps) gaps; \(writing)"
    }
}

/// The storage stage as seen from other threads, updated after every batch and tick.
public struct WriterStatus: Sendable {
    /// The disk refuses writes; records wait in memory.
    public var failing = false
    /// Bytes of records waiting in memory.
    public var bufferedBytes = 0
}
