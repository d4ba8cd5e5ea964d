import Clocks
import Dispatch
import Synchronization
import WebSocketTransport

/// The collector's one clock for periodic work, and the serial queue that work runs on.
///
/// Decoding, the writer and every connection's control queue target `queue`; the work due at a
/// beat — the writer's housekeeping, each connection's checks, the clock check — is queued there
/// together. The network thread keeps the beat in time (`Pacemaker`): a beat rides the delivery
/// of a message when one arrives within a tenth of the period of when it is due, and the loop's
/// own timer beats a tenth of a period late when none does. At Binance's live rate (a frame a
/// second) the collector's own threads wake the network thread and one worker per frame, and
/// nothing else (libdispatch's manager thread still checks its worker pool once a second); on a
/// small VM each wake-up costs about 100 µs, whatever it does.
///
/// Timing: beats come once a period — the shortest registered interval, at most a second —
/// early or late by at most a tenth of it. They follow the messages' phase: one arriving after a
/// beat from the timer moves the next beat to a period after it. An entry runs at the first beat
/// within half a period of its interval having passed since it last ran (the first time, since
/// it was registered). Work registered with `every(nanoseconds:on:_:)` hops onto its owner's
/// queue; since that queue targets `queue`, it runs in the same wake-up, right after the beat.
/// Thread-safe.
final class Beat: Pacemaker {
    /// The serial queue the collector's Dispatch work runs on.
    let queue = DispatchQueue(label: "stream-collector.collector")

    private struct Entry {
        let key: Int
        let intervalNanos: Int64
        var nextNanos: Int64
        let work: @Sendable () -> Bool
    }

    private struct State {
        /// In the order registered (ascending keys), so due work runs in that order.
        var entries: [Entry] = []
        var nextKey = 0
        var periodNanos: Int64 = 0
        /// When the next beat is due; nil before the first schedule.
        var dueNanos: Int64?
        /// The last beat came from the timer, and no message has arrived since.
        var followsTimer = false
    }

    private let state = Mutex(State())
    private let scheduleChanged: @Sendable () -> Void

    /// - Parameter scheduleChanged: called when the period changes (entries added or ended),
    ///   on any thread; the owner then has `pace(nowNanos:because: .schedule)` called
    ///   (`NetworkLoop.repace()`).
    init(scheduleChanged: @escaping @Sendable () -> Void) {
        self.scheduleChanged = scheduleChanged
    }

    /// Runs `work` on `queue` every `nanoseconds` (see the type's timing) until it returns false.
    func every(nanoseconds: Int64, _ work: @escaping @Sendable () -> Bool) {
        let interval = min(1_000_000_000, max(1_000_000, nanoseconds))
        let changed = state.withLock { state in
            state.entries.append(Entry(key: state.nextKey, intervalNanos: interval, nextNanos: MonotonicClock.nowNanoseconds() + interval, work: work))
            state.nextKey += 1
            return retime(&state)
        }
        if changed { scheduleChanged() }
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

    /// Beats when one is due (queuing the due entries on `queue`) and says when to be called next.
    func pace(nowNanos now: Int64, because reason: PaceReason) -> PaceSchedule {
        let (work, schedule) = state.withLock { state -> ([(key: Int, work: @Sendable () -> Bool)], PaceSchedule) in
            let period = state.periodNanos
            guard period > 0 else {
                state.dueNanos = nil
                return ([], .never)
            }
            let slack = period / 10
            var beats = false
            switch reason {
            case .schedule:
                state.dueNanos = min(state.dueNanos ?? .max, now + period)
            case .message:
                guard let due = state.dueNanos else { break }
                if now >= due - slack {
                    beats = true
                    // Early keeps the phase; late (the timer not yet run) takes the message's.
                    state.dueNanos = max(due, now) + period
                } else if state.followsTimer {
                    state.dueNanos = now + period
                }
                state.followsTimer = false
            case .deadline:
                guard let due = state.dueNanos, now >= due else { break }
                beats = true
                state.dueNanos = due + period > now ? due + period : now + period
                state.followsTimer = true
            }
            let next = state.dueNanos ?? now + period
            return (beats ? Self.takeDue(&state, now: now) : [],
                    PaceSchedule(messagesFromNanos: state.followsTimer ? .min : next - slack, deadlineNanos: next + slack))
        }
        if !work.isEmpty { queue.async { self.run(work) } }
        return schedule
    }

    /// The entries due at a beat at `now`, in the order they were registered, each set to run
    /// again one interval later. Updated in place: the network thread calls this at every beat.
    private static func takeDue(_ state: inout State, now: Int64) -> [(key: Int, work: @Sendable () -> Bool)] {
        let halfPeriod = state.periodNanos / 2
        var due: [(key: Int, work: @Sendable () -> Bool)] = []
        for index in state.entries.indices where now >= state.entries[index].nextNanos - halfPeriod {
            state.entries[index].nextNanos = now + state.entries[index].intervalNanos
            due.append((state.entries[index].key, state.entries[index].work))
        }
        return due
    }

    private func run(_ due: [(key: Int, work: @Sendable () -> Bool)]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let finished = due.filter { !$0.work() }.map(\.key)
        guard !finished.isEmpty else { return }
        let changed = state.withLock { state in
            state.entries.removeAll { finished.contains($0.key) }
            return retime(&state)
        }
        if changed { scheduleChanged() }
    }

    /// Sets the period the entries need; true when it changed.
    private func retime(_ state: inout State) -> Bool {
        let period = state.entries.map(\.intervalNanos).min() ?? 0
        guard period != state.periodNanos else { return false }
        state.periodNanos = period
        return true
    }
}
