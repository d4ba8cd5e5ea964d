import Synchronization
import WebSocketTransport

/// One WebSocket connection of a `StreamShard`, from its attempt to its close.
///
/// A session is *live* once every SUBSCRIBE has been answered and, for a shard with ticking
/// streams, data has arrived: from then on everything Binance sends for the shard reaches it.
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

    /// Written on the decode queue, read on the shard's queue.
    final class Activity: Sendable {
        private let first = Atomic<Int64>(0)
        private let last = Atomic<Int64>(0)

        /// Receive time of the first data record (0: none yet).
        var firstDataMicros: Int64 { first.load(ordering: .relaxed) }
        /// Receive time of the latest data record (0: none yet).
        var lastDataMicros: Int64 { last.load(ordering: .relaxed) }

        /// Records a data record's receive time; returns true for the session's first.
        func noteData(atMicros micros: Int64) -> Bool {
            last.store(micros, ordering: .relaxed)
            return first.compareExchange(expected: 0, desired: micros, ordering: .relaxed).exchanged
        }
    }

    let id: ConnectionID
    var role: Role
    let activity = Activity()
    let attemptedAtMicros: Int64
    var openedAtMicros: Int64?
    var pending: [Int64: SubscriptionRequest] = [:]
    var requestsToSend = 0
    var acknowledged = Set<String>()
    var refused = Set<String>()
    var answeredAllAtMicros: Int64?
    var liveSinceMicros: Int64?

    init(id: ConnectionID, role: Role, attemptedAtMicros: Int64) {
        self.id = id
        self.role = role
        self.attemptedAtMicros = attemptedAtMicros
    }

    /// Marks the session live if it has just become so: every request answered and, when the
    /// shard's streams tick, data seen. The shard calls it when either happens, on every tick, and
    /// once more when the session ends.
    mutating func updateLiveness(ticking: Bool) {
        guard liveSinceMicros == nil, let answered = answeredAllAtMicros else { return }
        let firstData = activity.firstDataMicros
        if ticking && firstData == 0 { return }
        liveSinceMicros = max(answered, firstData)
    }

    /// The last moment this session is known to have seen everything: its latest data, or `now`
    /// for a shard whose streams may be silent for days.
    func coveredUntil(nowMicros: Int64, ticking: Bool) -> Int64 {
        guard let liveSince = liveSinceMicros else { return activity.lastDataMicros }
        return ticking ? max(liveSince, activity.lastDataMicros) : nowMicros
    }
}
