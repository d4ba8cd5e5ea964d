import Synchronization

/// An instant on the monotonic clock that one thread sets as it works and any other reads:
/// when a queue or thread last turned (`Heartbeat.Participant.lastTurn`). Thread-safe.
public final class MonotonicStamp: Sendable {
    private let nanos = Atomic<Int64>(.min)

    public init() {}

    /// Sets the stamp to `nanoseconds` (the monotonic clock's, `MonotonicClock`).
    public func set(_ nanoseconds: Int64 = MonotonicClock.nowNanoseconds()) {
        nanos.store(nanoseconds, ordering: .relaxed)
    }

    /// The last instant set; `Int64.min` if none was.
    public var nanoseconds: Int64 { nanos.load(ordering: .relaxed) }
}
