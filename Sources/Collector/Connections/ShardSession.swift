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

        func noteData(atMicros micros: Int64) {
            if first.load(ordering: .relaxed) == 0 { first.store(micros, ordering: .relaxed) }
            last.store(micros, ordering: .relaxed)
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

    /// The last moment this session is known to have seen everything: its latest data, or `now`
    /// for a shard whose streams may be silent for days.
    func coveredUntil(nowMicros: Int64, ticking: Bool) -> Int64 {
        guard let liveSince = liveSinceMicros else { return activity.lastDataMicros }
        return ticking ? max(liveSince, activity.lastDataMicros) : nowMicros
    }
}
