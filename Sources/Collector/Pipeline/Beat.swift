import Clocks
import Dispatch
import Synchronization

/// The collector's one clock for periodic work, and the serial queue that work runs on.
///
/// Decoding, the writer and every connection's control queue target `queue`, and a single
/// repeating timer on it runs whatever is due — the writer's housekeeping, each connection's
/// checks — so an idle collector wakes one thread once a period rather than a thread and a
/// timer per component (on a small VM each wake-up costs about 100 µs, whatever it does).
/// Work registered with `every(nanoseconds:on:_:)` hops onto its owner's queue from there; since
/// that queue targets `queue`, it runs in the same wake-up, right after the beat.
///
/// The timer's period is the shortest registered interval (at most a second); an entry is due
/// once its interval has passed on the monotonic clock, less a tenth of it, so work registered
/// at equal intervals runs together. Thread-safe.
final class Beat: @unchecked Sendable {
    // @unchecked: `timer` is a Dispatch source, whose methods may be called from any thread;
    // the rest is behind a `Mutex`.
    /// The serial queue the collector's Dispatch work runs on.
    let queue = DispatchQueue(label: "stream-collector.collector")

    private struct Entry {
        let intervalNanos: Int64
        var nextNanos: Int64
        let work: @Sendable () -> Bool
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextKey = 0
        var periodNanos: Int64 = 0
    }

    private let state = Mutex(State())
    private let timer: DispatchSourceTimer

    init() {
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.fire() }
        timer.schedule(deadline: .distantFuture)
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Runs `work` on `queue` every `nanoseconds` (the first time one interval from now) until it
    /// returns false.
    func every(nanoseconds: Int64, _ work: @escaping @Sendable () -> Bool) {
        let interval = min(1_000_000_000, max(1_000_000, nanoseconds))
        let period: Int64? = state.withLock { state in
            state.entries[state.nextKey] = Entry(intervalNanos: interval, nextNanos: MonotonicClock.nowNanoseconds() + interval, work: work)
            state.nextKey += 1
            return retime(&state)
        }
        if let period { schedule(period) }
    }

    /// Runs `work` on `owner` — a queue that targets `queue`, so in the same wake-up as the beat —
    /// every `nanoseconds` until it returns false there.
    func every(nanoseconds: Int64, on owner: DispatchQueue, _ work: @escaping @Sendable () -> Bool) {
        let going = Going()
        every(nanoseconds: nanoseconds) {
            guard going.value.load(ordering: .relaxed) else { return false }
            owner.async {
                if !work() { going.value.store(false, ordering: .relaxed) }
            }
            return true
        }
    }

    /// Whether work on another queue still wants its beat: it answers on its queue, the beat asks on its own.
    private final class Going: Sendable {
        let value = Atomic(true)
    }

    private func fire() {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = MonotonicClock.nowNanoseconds()
        let due: [(key: Int, work: @Sendable () -> Bool)] = state.withLock { state in
            var due: [(Int, @Sendable () -> Bool)] = []
            for (key, entry) in state.entries where now >= entry.nextNanos - entry.intervalNanos / 10 {
                state.entries[key]?.nextNanos = max(entry.nextNanos + entry.intervalNanos, now + entry.intervalNanos / 2)
                due.append((key, entry.work))
            }
            return due.sorted { $0.0 < $1.0 }
        }
        let finished = due.filter { !$0.work() }.map(\.key)
        guard !finished.isEmpty else { return }
        let period: Int64? = state.withLock { state in
            for key in finished { state.entries[key] = nil }
            return retime(&state)
        }
        if let period { schedule(period) }
    }

    /// The period the entries need, when it differs from the timer's.
    private func retime(_ state: inout State) -> Int64? {
        let period = state.entries.values.map(\.intervalNanos).min() ?? 0
        guard period != state.periodNanos else { return nil }
        state.periodNanos = period
        return period
    }

    private func schedule(_ nanoseconds: Int64) {
        guard nanoseconds > 0 else {
            timer.schedule(deadline: .distantFuture)
            return
        }
        let interval = DispatchTimeInterval.nanoseconds(Int(nanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .nanoseconds(0))
    }
}
