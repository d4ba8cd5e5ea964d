import MarketDecoding
import Metrics
import Synchronization

/// The `stream_collector_*` gauges that describe a moment rather than count events: connection
/// state and age, seconds since each stream's last event, buffer fill, health, the host clock's
/// synchronisation. `refresh` sets them from a `CollectorHealth`; a metrics exporter calls it
/// before each scrape. Thread-safe.
final class CollectorGauges: Sendable {
    /// Gauges by series key; a series whose label disappears (a connection removed by a reload)
    /// is destroyed rather than left at its last value.
    private let gauges = Mutex<[String: Gauge]>([:])

    /// Times are on the monotonic clock.
    func refresh(_ health: CollectorHealth, lastEventWrittenNanos: [String: Int64], bufferLimitBytes: Int, nowNanos: Int64) {
        var values: [(label: String, dimensions: [(String, String)], value: Double)] = []
        for shard in health.shards {
            let state: Double = shard.liveSinceNanos != nil ? 2 : (shard.openedAtNanos != nil ? 1 : 0)
            values.append(("stream_collector_connection_state", [("connection", shard.label)], state))
            let age = shard.openedAtNanos.map { Double(nowNanos - $0) / 1e9 } ?? 0
            values.append(("stream_collector_connection_age_seconds", [("connection", shard.label)], age))
        }
        let configured = Set(health.shards.flatMap(\.streams))
        for (stream, nanos) in lastEventWrittenNanos where configured.contains(stream) {
            values.append(("stream_collector_seconds_since_last_event", [("stream", stream)], Double(nowNanos - nanos) / 1e9))
        }
        values.append(("stream_collector_buffer_bytes", [], Double(health.writer.bufferedBytes)))
        values.append(("stream_collector_buffer_limit_bytes", [], Double(bufferLimitBytes)))
        values.append(("stream_collector_writer_failing", [], health.writer.failing ? 1 : 0))
        values.append(("stream_collector_ready", [], health.ready ? 1 : 0))
        values.append(("stream_collector_healthy", [], health.healthy ? 1 : 0))
        values.append(("stream_collector_stalled_threads", [], Double(health.stalls.count)))
        values.append(("stream_collector_streams", [("state", "configured")], Double(health.streams)))
        values.append(("stream_collector_streams", [("state", "live")], Double(health.liveStreams)))
        if let clock = health.clock {
            values.append(("stream_collector_clock_synchronised", [], clock.synchronised ? 1 : 0))
            values.append(("stream_collector_clock_estimated_error_seconds", [], clock.estimatedErrorSeconds))
            values.append(("stream_collector_clock_maximum_error_seconds", [], clock.maximumErrorSeconds))
        }
        gauges.withLock { gauges in
            var seen = Set<String>()
            for (label, dimensions, value) in values {
                let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
                seen.insert(key)
                let gauge = gauges[key] ?? Gauge(label: label, dimensions: dimensions)
                gauges[key] = gauge
                gauge.record(value)
            }
            for (key, gauge) in gauges where !seen.contains(key) {
                gauge.destroy()
                gauges[key] = nil
            }
        }
    }
}
