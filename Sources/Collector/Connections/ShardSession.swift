import Clocks
import Synchronization
import WebSocketTransport

/// One WebSocket connection of a `StreamShard`, from its attempt to its close.
///
/// A session is *live* once every SUBSCRIBE has been answered and, for a shard with ticking
/// streams, data has arrived: from then on everything Binance sends for the shard reaches it.
/// Ages and silences are measured on the monotonic clock; the wall clock is kept beside it only
/// for the dates a gap record states.
struct ShardSession {
    /// What the shard uses the session for.
    enum Role {
        /// The connection that covers the shard (or is trying to).
        case primary
        /// A make-before-break successor, opened before the primary reaches its age limit.
        case replacement
        /// A former primary, closed on purpose after its replacement went live.
        case retiring
    }

    /// When data arrived: written on the decode queue, read on the shard's queue.
    final class Activity: Sendable {
        private let firstWall = Atomic<Int64>(0), firstMonotonic = Atomic<Int64>(0)
        private let lastWall = Atomic<Int64>(0), lastMonotonic = Atomic<Int64>(0)

        /// The first data message's receive moment (nil: none yet).
        var first: Moment? { Self.moment(firstWall, firstMonotonic) }
        /// The latest data message's receive moment (nil: none yet). Its two clocks are stored
        /// apart: read while a message lands, they may come from two messages a moment apart.
        var last: Moment? { Self.moment(lastWall, lastMonotonic) }

        /// Records a data message's receive moment; returns true for the session's first.
        func noteData(_ moment: Moment) -> Bool {
            lastWall.store(moment.wallMicros, ordering: .relaxed)
            lastMonotonic.store(moment.monotonicNanos, ordering: .releasing)
            guard firstMonotonic.load(ordering: .acquiring) == 0 else { return false }
            firstWall.store(moment.wallMicros, ordering: .relaxed)
            return firstMonotonic.compareExchange(expected: 0, desired: moment.monotonicNanos, ordering: .acquiringAndReleasing).exchanged
        }

        private static func moment(_ wall: borrowing Atomic<Int64>, _ monotonic: borrowing Atomic<Int64>) -> Moment? {
            let nanos = monotonic.load(ordering: .acquiring)
            return nanos == 0 ? nil : Moment(wallMicros: wall.load(ordering: .relaxed), monotonicNanos: nanos)
        }
    }

    let id: ConnectionID
    var role: Role
    let activity: Activity
    let attemptedAt: Moment
    var openedAt: Moment?
    var pending: [Int64: SubscriptionRequest] = [:]
    var requestsToSend = 0
    var acknowledged = Set<String>()
    var refused = Set<String>()
    var answeredAllAt: Moment?
    var liveSince: Moment?

    init(id: ConnectionID, role: Role, activity: Activity, attemptedAt: Moment) {
        self.id = id
        self.role = role
        self.activity = activity
        self.attemptedAt = attemptedAt
    }

    /// Marks the session live if it has just become so: every request answered and, when the
    /// shard's streams tick, data seen. The shard calls it when either happens, on every tick, and
    /// once more when the session ends.
    mutating func updateLiveness(ticking: Bool) {
        guard liveSince == nil, let answered = answeredAllAt else { return }
        guard let firstData = activity.first else {
            if !ticking { liveSince = answered }
            return
        }
        liveSince = firstData.monotonicNanos > answered.monotonicNanos ? firstData : answered
    }

    /// The last moment this session is known to have seen everything: its latest data, or `now`
    /// for a shard whose streams may be silent for days.
    func coveredUntil(_ now: Moment, ticking: Bool) -> Moment? {
        guard let liveSince else { return activity.last }
        guard ticking else { return now }
        guard let last = activity.last, last.monotonicNanos > liveSince.monotonicNanos else { return liveSince }
        return last
    }
}
