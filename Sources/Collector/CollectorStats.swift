import MarketDecoding
import Synchronization

/// Counters the daemon keeps for logs, status and (later) metrics. Thread-safe.
public final class CollectorStats: Sendable {
    public struct Snapshot: Sendable {
        public var recordsWritten: [String: Int] = [:]
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
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func framesReceived(_ count: Int) { state.withLock { $0.framesReceived += count } }

    func written(_ family: StreamFamily, _ count: Int) {
        state.withLock { $0.recordsWritten[family.name, default: 0] += count }
    }

    /// Counts a rejection; returns true the first time this reason is seen (log it then).
    func rejected(_ reason: RejectionReason) -> Bool {
        state.withLock { snapshot in
            snapshot.rejected[reason.rawValue, default: 0] += 1
            return snapshot.rejected[reason.rawValue] == 1
        }
    }

    func subscriptionError() { state.withLock { $0.subscriptionErrors += 1 } }

    func reconnect(_ reason: String) { state.withLock { $0.reconnects[reason, default: 0] += 1 } }

    func dropped(_ count: Int) { state.withLock { $0.droppedRecords += count } }

    func duplicatesDropped(_ count: Int) { state.withLock { $0.duplicatesDropped += count } }

    func gap(seconds: Double) {
        state.withLock {
            $0.gaps += 1
            $0.gapSeconds += seconds
        }
    }

    func renewed() { state.withLock { $0.renewals += 1 } }

    /// Counts a REST snapshot attempt by outcome (`written`, `rate-limited`, `failed`).
    func snapshot(_ outcome: String) { state.withLock { $0.snapshots[outcome, default: 0] += 1 } }
}
