/// Remembers the fingerprints of recently admitted events (`EventIdentity.key`, or a replayed
/// line's) so that an event delivered twice — by the old and the new connection while a renewal
/// overlaps, by a server that repeats itself, or by two collectors whose files are replayed
/// together — is kept once.
///
/// Memory is bounded twice over: identities older than `windowMicros` (by receive time) are
/// forgotten, and so are the oldest beyond `capacity`. An overlap lasts seconds, so a window of a
/// minute is ample, and the collector's 32 768 identities hold minutes of Binance's live rate
/// while keeping memory flat under a flood; the table grows with what it holds, so a quiet
/// collector keeps a small one. Not thread-safe: one owner at a time.
public struct Deduplicator {
    public let windowMicros: Int64
    public let capacity: Int
    private var seen: FingerprintSet
    private var order: [(identity: Fingerprint, atMicros: Int64)] = []
    private var head = 0

    public init(windowMicros: Int64 = 60_000_000, capacity: Int = 32_768) {
        self.windowMicros = windowMicros
        self.capacity = capacity
        // Sized to what is remembered, not to the bound: at the live rate a minute holds a few
        // thousand identities (a table of a few hundred KiB); a flood grows it up to `capacity`.
        seen = FingerprintSet(minimumCapacity: min(capacity, 1024) + 1)
    }

    /// Identities remembered now.
    public var count: Int { seen.count }

    /// True the first time `identity` is offered within the window; false for a repeat. Times are
    /// expected in non-decreasing order.
    public mutating func admit(_ identity: Fingerprint, atMicros now: Int64) -> Bool {
        forget(before: now - windowMicros)
        guard seen.insert(identity) else { return false }
        order.append((identity, now))
        if seen.count > capacity { forgetOldest() }
        return true
    }

    private mutating func forget(before cutoff: Int64) {
        while head < order.count, order[head].atMicros < cutoff { forgetOldest() }
    }

    private mutating func forgetOldest() {
        seen.remove(order[head].identity)
        head += 1
        if head >= 4096, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
