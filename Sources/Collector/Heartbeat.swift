import Clocks
import MarketDecoding
import Synchronization

/// Proof that every long-lived thread and queue of the collector is turning: what systemd's
/// watchdog is fed from, so a wedged thread gets the service restarted and an unreachable
/// exchange does not.
///
/// `check` sends a probe — a closure run on the participant's own thread or queue — to each
/// participant with none outstanding and none sent for `period`, unless the participant turned
/// on its own within `period` (`Participant.lastTurn`): a busy participant proves itself with the
/// work it does, and is not woken to answer. A participant whose probe has waited longer than
/// `limit` is *stalled*: a deadlock, a blocking call on the network thread, a write stuck in the
/// kernel. At most one probe per participant is ever queued, so a wedged queue gathers nothing.
/// Thread-safe.
public final class Heartbeat: Sendable {
    /// Something that runs closures on a thread or queue of its own.
    public struct Participant: Sendable {
        public let name: String
        /// When the participant last turned on its own — began a piece of its work on its thread or
        /// queue — on the monotonic clock; nil if it does not say. A turn within the period stands
        /// for an answered probe.
        public let lastTurn: MonotonicStamp?
        /// Runs `answer` on the participant's thread or queue, behind the work already queued there.
        public let probe: @Sendable (_ answer: @escaping @Sendable () -> Void) -> Void

        public init(name: String, lastTurn: MonotonicStamp? = nil,
                    probe: @escaping @Sendable (_ answer: @escaping @Sendable () -> Void) -> Void) {
            self.name = name
            self.lastTurn = lastTurn
            self.probe = probe
        }
    }

    /// A participant that has not answered its probe in time.
    public struct Stall: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        /// How long its probe has been waiting.
        public let seconds: Double

        public var description: String { "\(name) has not answered for \(Int(seconds)) s" }
    }

    private struct Slot {
        /// When the probe was sent, or when the turn that stands for an answered one came.
        var sentAtNanos: Int64
        var answered: Bool
    }

    private let now: @Sendable () -> Int64
    private let slots = Mutex<[String: Slot]>([:])
    private let latest = Mutex<[Stall]>([])

    /// - Parameter now: the monotonic clock, in nanoseconds (injectable for tests).
    public init(now: @escaping @Sendable () -> Int64 = MonotonicClock.nowNanoseconds) {
        self.now = now
    }

    /// Probes whoever is due and returns the participants stalled longer than `limit`.
    /// Participants no longer listed are forgotten.
    @discardableResult
    public func check(_ participants: [Participant], limit: Duration, period: Duration) -> [Stall] {
        let moment = now()
        let limitNanos = limit.inNanoseconds, periodNanos = period.inNanoseconds
        var due: [Participant] = []
        let stalls: [Stall] = slots.withLock { slots in
            if slots.keys.contains(where: { name in !participants.contains { $0.name == name } }) {
                slots = slots.filter { slot in participants.contains { $0.name == slot.key } }
            }
            var stalls: [Stall] = []
            for participant in participants {
                if let slot = slots[participant.name] {
                    if !slot.answered {
                        let waited = moment - slot.sentAtNanos
                        if waited > limitNanos { stalls.append(Stall(name: participant.name, seconds: Double(waited) / 1e9)) }
                        continue
                    }
                    guard moment - slot.sentAtNanos >= periodNanos else { continue }
                }
                if let turned = participant.lastTurn?.nanoseconds, turned > moment - periodNanos {
                    slots[participant.name] = Slot(sentAtNanos: turned, answered: true)
                    continue
                }
                slots[participant.name] = Slot(sentAtNanos: moment, answered: false)
                due.append(participant)
            }
            return stalls
        }
        for participant in due {
            let name = participant.name, sentAt = moment
            participant.probe { [self] in
                slots.withLock { slots in
                    if slots[name]?.sentAtNanos == sentAt { slots[name]?.answered = true }
                }
            }
        }
        latest.withLock { $0 = stalls }
        return stalls
    }

    /// What the last `check` found.
    public var stalls: [Stall] { latest.withLock { $0 } }
}
