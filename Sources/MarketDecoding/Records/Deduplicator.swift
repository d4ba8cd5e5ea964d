/// Remembers the fingerprints of recently admitted events (`EventIdentity.key`, or a replayed
/// line's) so that an event delivered twice — by the old and the new connection while a renewal
/// overlaps, by a server that repeats itself, or by two collectors whose files are replayed
/// together — is kept once.
///
/// Memory is bounded twice over: identities older than `windowMicros` (by receive time) are
/// forgotten, and so are the oldest beyond `capacity`. An overlap lasts seconds, so a window of a
/// minute is ample. The collector's 16 384 identities are sized to Binance's live rate: a whole
/// minute of up to 270 events a second (each asset index comes once a second), in a table of
/// 512 KiB that stays in a core's cache under a flood, where a larger one missed it on every event;
/// the table grows with what it holds, so a quiet collector keeps a small one. Not thread-safe:
/// one owner at a time.
public struct Deduplicator {
    public let windowMicros: Int64
    public let capacity: Int
    private var seen: FingerprintSet
    /// The remembered identities, oldest first, as a ring: `order[head]` is the oldest and
    /// `seen.count` of them follow it. Grows by doubling, up to `capacity` entries.
    private var order: [Remembered]
    private var head = 0

    private struct Remembered {
        var identity: Fingerprint
        var atMicros: Int64
    }

    public init(windowMicros: Int64 = 60_000_000, capacity: Int = 16_384) {
        precondition(capacity > 0, "a deduplicator remembers at least one identity")
        self.windowMicros = windowMicros
        self.capacity = capacity
        // Sized to what is remembered, not to the bound: at the live rate a minute holds a few
        // thousand identities (a table of a few hundred KiB); a flood grows it up to `capacity`.
        let initial = min(capacity, 1024)
        seen = FingerprintSet(minimumCapacity: initial)
        order = Array(repeating: Remembered(identity: Fingerprint(), atMicros: 0), count: initial)
    }

    /// Identities remembered now.
    public var count: Int { seen.count }

    /// Slots of the fingerprint table: its memory is 16 bytes each.
    var tableSlots: Int { seen.slotCount }

    /// True the first time `identity` is offered within the window; false for a repeat. Times are
    /// expected in non-decreasing order.
    public mutating func admit(_ identity: Fingerprint, atMicros now: Int64) -> Bool {
        forget(before: now - windowMicros)
        if seen.count == capacity {
            // Make room first, so that the table never holds more than `capacity` (and never
            // grows for the one identity over it).
            guard !seen.contains(identity) else { return false }
            forgetOldest()
        }
        guard seen.insert(identity) else { return false }
        if seen.count > order.count { growOrder() }
        var tail = head + seen.count - 1
        if tail >= order.count { tail -= order.count }
        order[tail] = Remembered(identity: identity, atMicros: now)
        return true
    }

    private mutating func forget(before cutoff: Int64) {
        while seen.count > 0, order[head].atMicros < cutoff { forgetOldest() }
    }

    private mutating func forgetOldest() {
        seen.remove(order[head].identity)
        head += 1
        if head == order.count { head = 0 }
    }

    /// Called with the ring full and the newest identity already in `seen`: unrolls the ring into
    /// one twice its size (at most `capacity`), oldest first.
    private mutating func growOrder() {
        let size = min(order.count * 2, capacity)
        var grown: [Remembered] = []
        grown.reserveCapacity(size)
        grown.append(contentsOf: order[head...])
        grown.append(contentsOf: order[..<head])
        grown.append(contentsOf: repeatElement(Remembered(identity: Fingerprint(), atMicros: 0), count: size - grown.count))
        order = grown
        head = 0
    }
}
