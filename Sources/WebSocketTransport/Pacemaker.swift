/// Periodic work whose clock the network thread keeps (`NetworkLoop.start(pacemaker:)`).
///
/// The service thread wakes for every message anyway, so work due around then rides that
/// wake-up instead of a timer thread's; a timer of the loop's own (an lws `sul`, in the same
/// `poll`) covers the silences. An idle collector then wakes one thread per message, and one per
/// period when nothing arrives.
public protocol Pacemaker: AnyObject, Sendable {
    /// Called on the service thread: once when the loop starts, after `NetworkLoop.repace()`,
    /// after a pass that delivered a message once `schedule.messagesFromNanos` has passed (with
    /// the last message's time, once the pass's messages are set going rather than held), and
    /// when `schedule.deadlineNanos` has. Runs or hands off what is due and returns when it
    /// wants the next call. Must return quickly and never block: it holds up every connection.
    func pace(nowNanos: Int64, because reason: PaceReason) -> PaceSchedule
}

/// Why a `Pacemaker` is called.
public enum PaceReason: Sendable, Equatable {
    /// The loop started, or `repace()` asked: the schedule may have changed.
    case schedule
    /// A pass just delivered a message.
    case message
    /// The deadline passed with no message calling earlier.
    case deadline
}

/// When a `Pacemaker` wants its next call, on the monotonic clock (`MonotonicClock`).
public struct PaceSchedule: Sendable, Equatable {
    /// With the first message delivered at or after this.
    public var messagesFromNanos: Int64
    /// At this, whether or not a message came.
    public var deadlineNanos: Int64

    public init(messagesFromNanos: Int64, deadlineNanos: Int64) {
        self.messagesFromNanos = messagesFromNanos
        self.deadlineNanos = deadlineNanos
    }

    /// Never again, until `repace()`.
    public static let never = PaceSchedule(messagesFromNanos: .max, deadlineNanos: .max)
}
