import Synchronization

/// Spaces connection attempts across the whole process (Binance allows 300 per 5 minutes per IP).
/// Times are monotonic nanoseconds. Thread-safe.
final class AttemptThrottle: Sendable {
    private let spacingNanoseconds: Int64
    private let nextSlot = Mutex<Int64>(.min)

    init(minimumSpacingMilliseconds: Int) {
        spacingNanoseconds = Int64(minimumSpacingMilliseconds) * 1_000_000
    }

    /// Reserves the next free slot at or after `earliest` and returns it.
    func reserve(notBefore earliest: Int64) -> Int64 {
        nextSlot.withLock { next in
            let slot = max(earliest, next)
            next = slot + spacingNanoseconds
            return slot
        }
    }
}
