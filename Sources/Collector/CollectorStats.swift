import Clocks
import MarketDecoding
import Metrics
import Synchronization

/// Counters the daemon keeps for logs, the systemd status line and metrics. Thread-safe.
///
/// Every count is also reported through swift-metrics (the `stream_collector_*` series), so
/// whichever metrics backend the process bootstraps sees them; without one they cost nothing.
public final class CollectorStats: Sendable {
    public struct Snapshot: Sendable {
        public var recordsWritten: [String: Int] = [:]
        /// When an event of each stream was last written, on the monotonic clock (ns).
        public var lastEventWrittenNanos: [String: Int64] = [:]
        public var rejected: [String: Int] = [:]
        public var subscriptionErrors = 0
        public var reconnects: [String: Int] = [:]
        public var framesReceived = 0
        public var droppedRecords = 0
        /// Events delivered twice (renewal overlaps) and written once.
        public var duplicatesDropped = 0
        public var gaps = 0
        public var gapSeconds = 0.0
        public var renewals = 0
        public var snapshots: [String: Int] = [:]
        /// REST poller requests by `source/outcome`.
        public var restRequests: [String: Int] = [:]
        public var writeErrors = 0
        /// Steps of the wall clock noticed, and the size of the last one (s; positive: forward).
        public var clockSteps = 0
        public var lastClockStepSeconds = 0.0
    }

    private let state = Mutex(Snapshot())
    /// Labelled counters, made once each.
    private let labelled = Mutex<[String: Counter]>([:])
    /// Each stream's written-event meters, made once each.
    private let meters = Mutex<[String: StreamMeters]>([:])
    private let familyCounters = Mutex<[StreamFamily: Counter]>([:])
    /// The event lag histogram's name; its buckets are the metrics backend's to set.
    public static let lagLabel = "stream_collector_event_lag_seconds"
    /// Event lag buckets (s) worth setting for `lagLabel`: receive time trails event time by a few
    /// milliseconds to seconds; events "before" they happened (≤ 0) mean the host clock is behind.
    public static let lagBuckets: [Double] = [0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    private let framesCounter = Counter(label: "stream_collector_frames_received_total")
    private let gapsCounter = Counter(label: "stream_collector_gaps_total")
    private let gapSecondsCounter = FloatingPointCounter(label: "stream_collector_gap_seconds_total")
    private let duplicatesCounter = Counter(label: "stream_collector_duplicates_dropped_total")
    private let renewalsCounter = Counter(label: "stream_collector_renewals_total")
    private let droppedCounter = Counter(label: "stream_collector_dropped_records_total")
    private let subscriptionErrorsCounter = Counter(label: "stream_collector_subscription_errors_total")
    private let writeErrorsCounter = Counter(label: "stream_collector_write_errors_total")
    private let fsyncTimer = Metrics.Timer(label: "stream_collector_fsync_seconds")
    private let clockStepsCounter = Counter(label: "stream_collector_clock_steps_total")
    private let lastClockStepGauge = Gauge(label: "stream_collector_clock_last_step_seconds")

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func framesReceived(_ count: Int) {
        state.withLock { $0.framesReceived += count }
        framesCounter.increment(by: count)
    }

    /// Counts records that reached the store: per family, and events (and their bytes) per stream.
    ///
    /// A batch comes in runs of one family and one stream (a frame's events): each run is counted
    /// as it goes and added to the tables and meters when it ends, so a frame costs a lookup or
    /// two and no allocation.
    func written(_ records: [Record]) {
        let now = MonotonicClock.nowNanoseconds()
        var family: (name: StreamFamily, count: Int)?
        var stream: (meters: StreamMeters, events: Int, bytes: Int)?
        func endFamilyRun() {
            guard let family else { return }
            state.withLock { $0.recordsWritten[family.name.name, default: 0] += family.count }
            familyCounter(family.name).increment(by: family.count)
        }
        func endStreamRun() {
            guard let stream else { return }
            state.withLock { $0.lastEventWrittenNanos[stream.meters.name] = now }
            stream.meters.events.increment(by: stream.events)
            stream.meters.bytes.increment(by: stream.bytes)
        }
        for record in records {
            if family?.name == record.family {
                family!.count += 1
            } else {
                endFamilyRun()
                family = (record.family, 1)
            }
            guard let identity = record.identity else { continue }
            if stream?.meters.name != identity.stream {
                endStreamRun()
                stream = (streamMeters(identity.stream), 0, 0)
            }
            stream!.events += 1
            stream!.bytes += record.line.count
            stream!.meters.lag.record(Double(record.receivedAtMicros - identity.eventTime * 1000) / 1e6)
        }
        endFamilyRun()
        endStreamRun()
    }

    /// Counts a rejection; returns true the first time this reason is seen (log it then).
    func rejected(_ reason: RejectionReason) -> Bool {
        counter("stream_collector_rejected_frames_total", ("reason", reason.rawValue)).increment()
        return state.withLock { snapshot in
            snapshot.rejected[reason.rawValue, default: 0] += 1
            return snapshot.rejected[reason.rawValue] == 1
        }
    }

    func subscriptionError() {
        state.withLock { $0.subscriptionErrors += 1 }
        subscriptionErrorsCounter.increment()
    }

    func reconnect(_ reason: String) {
        state.withLock { $0.reconnects[reason, default: 0] += 1 }
        counter("stream_collector_reconnects_total", ("reason", reason)).increment()
    }

    func dropped(_ count: Int) {
        state.withLock { $0.droppedRecords += count }
        droppedCounter.increment(by: count)
    }

    func duplicatesDropped(_ count: Int) {
        state.withLock { $0.duplicatesDropped += count }
        duplicatesCounter.increment(by: count)
    }

    func gap(seconds: Double) {
        state.withLock {
            $0.gaps += 1
            $0.gapSeconds += seconds
        }
        gapsCounter.increment()
        gapSecondsCounter.increment(by: seconds)
    }

    func renewed() {
        state.withLock { $0.renewals += 1 }
        renewalsCounter.increment()
    }

    /// Counts a REST snapshot attempt by outcome (`written`, `rate-limited`, `banned`, `failed`).
    func snapshot(_ outcome: String) {
        state.withLock { $0.snapshots[outcome, default: 0] += 1 }
        counter("stream_collector_snapshots_total", ("outcome", outcome)).increment()
    }

    /// Counts a REST poller request by source and outcome (`ok`, `api-error`, `http-error`,
    /// `malformed`, `rate-limited`, `banned`, `timeout`, `failed`).
    func restRequest(source: String, outcome: String) {
        state.withLock { $0.restRequests["\(source)/\(outcome)", default: 0] += 1 }
        counter("stream_collector_rest_requests_total", ("source", source), ("outcome", outcome)).increment()
    }

    /// Counts an error code a REST server answered with (`40034`, `50010`, `-1121` ...).
    func restAPIError(source: String, code: String) {
        counter("stream_collector_rest_api_errors_total", ("source", source), ("code", code)).increment()
    }

    /// Counts a write the disk refused (every attempt, not only the first of an episode).
    func writeError() {
        state.withLock { $0.writeErrors += 1 }
        writeErrorsCounter.increment()
    }

    /// Counts a step of the wall clock of `seconds` (positive: forward).
    func clockStepped(seconds: Double) {
        state.withLock {
            $0.clockSteps += 1
            $0.lastClockStepSeconds = seconds
        }
        clockStepsCounter.increment()
        lastClockStepGauge.record(seconds)
    }

    func synced(nanoseconds: Int64) {
        fsyncTimer.recordNanoseconds(nanoseconds)
    }

    /// A stream's meters: `stream_collector_events_written_total{stream}`,
    /// `stream_collector_bytes_written_total{stream}` and `stream_collector_event_lag_seconds{stream}`
    /// (receive time minus event time (`E`) of each event written — the exchange's latency, the
    /// network's and the host clock's error together). Made once per stream.
    private func streamMeters(_ stream: String) -> StreamMeters {
        meters.withLock { cache in
            if let meters = cache[stream] { return meters }
            let meters = StreamMeters(stream)
            cache[stream] = meters
            return meters
        }
    }

    /// `stream_collector_records_written_total{family}`, made once per family.
    private func familyCounter(_ family: StreamFamily) -> Counter {
        familyCounters.withLock { cache in
            if let counter = cache[family] { return counter }
            let counter = Counter(label: "stream_collector_records_written_total", dimensions: [("family", family.name)])
            cache[family] = counter
            return counter
        }
    }

    private func counter(_ label: String, _ dimensions: (String, String)...) -> Counter {
        labelled.withLock { cache in
            let key = label + dimensions.map { "{\($0.0)=\($0.1)}" }.joined()
            if let counter = cache[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions)
            cache[key] = counter
            return counter
        }
    }
}

/// One stream's meters for the events written (`CollectorStats.written`).
private final class StreamMeters: Sendable {
    let name: String
    let events: Counter
    let bytes: Counter
    let lag: Recorder

    init(_ stream: String) {
        name = stream
        events = Counter(label: "stream_collector_events_written_total", dimensions: [("stream", stream)])
        bytes = Counter(label: "stream_collector_bytes_written_total", dimensions: [("stream", stream)])
        lag = Recorder(label: CollectorStats.lagLabel, dimensions: [("stream", stream)], aggregate: true)
    }
}
