/// Messages the network thread has handed to decoding, and the rule for when to set them going
/// (`FramePipeline`, which keeps it behind a lock). No clock and no queue of its own: the times are
/// the messages' receipt, so the rule is tested alone (`InboxTests`).
///
/// After each pass of the service loop the inbox asks for a drain, unless one is already on its
/// way. It holds the pass's messages for the next pass instead only while all of these are true:
/// decoding is asleep (waking it is a thread wake-up, where queuing behind a running drain is
/// not), the messages come in a burst (the last hand-off was less than `burstNanoseconds` before
/// the newest), less than `holdBytes` has gathered, and fewer than `quietPassesEndingBurst`
/// passes in a row brought nothing new. A message after a silence — the live rate — is never held.
struct Inbox<Item> {
    /// Held messages are set going once they come to this many bytes (a read's worth over `ws://`).
    static var holdBytes: Int { 65_536 }
    /// A message is held only if the last hand-off was less than this before it: in a burst.
    static var burstNanoseconds: Int64 { 1_000_000 }
    /// Held messages are set going after this many passes in a row bring nothing new: one pass
    /// may read only part of a message (a TLS record holding a frame's header, or its first part).
    static var quietPassesEndingBurst: Int { 2 }

    /// What the caller does after a pass.
    enum Verdict: Equatable {
        /// Nothing: the inbox is empty, or a drain that will take it is already queued.
        case none
        /// Keep the messages for the next pass, and run that pass without waiting.
        case hold
        /// Schedule a drain (the inbox counts it as queued).
        case drain
    }

    private var items: [Item] = []
    private var bytes = 0
    private var newestNanos: Int64 = 0
    /// How many of `items` were held at the end of the previous pass.
    private var heldCount = 0
    /// Passes in a row that brought nothing new while messages were held.
    private var quietPasses = 0
    /// A drain is queued and has not yet taken the inbox.
    private var drainScheduled = false
    /// A drain is decoding what it took.
    private var draining = false
    /// When the newest message set going was received (monotonic).
    private var lastHandOffNanos: Int64?

    /// A message received at `receivedAtNanos` (monotonic), `bytes` long.
    mutating func append(_ item: Item, bytes: Int, receivedAtNanos: Int64) {
        items.append(item)
        self.bytes += bytes
        newestNanos = receivedAtNanos
    }

    /// After a pass of the service loop; `loopEnding`: the last call, when nothing may be held.
    mutating func passEnded(loopEnding: Bool = false) -> Verdict {
        guard !items.isEmpty, !drainScheduled else { return .none }
        quietPasses = items.count > heldCount ? 0 : quietPasses + 1
        if !loopEnding, !draining, quietPasses < Self.quietPassesEndingBurst, bytes < Self.holdBytes,
           let last = lastHandOffNanos, newestNanos - last < Self.burstNanoseconds {
            heldCount = items.count
            return .hold
        }
        drainScheduled = true
        heldCount = 0
        quietPasses = 0
        lastHandOffNanos = newestNanos
        return .drain
    }

    /// The drain begins: takes every message, which it decodes until `drainEnded`.
    mutating func take() -> [Item] {
        defer {
            items.removeAll(keepingCapacity: true)
            bytes = 0
            drainScheduled = false
            draining = true
        }
        return items
    }

    mutating func drainEnded() {
        draining = false
    }
}
