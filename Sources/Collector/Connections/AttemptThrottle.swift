import Foundation
import Synchronization

/// Spaces connection attempts across the whole process (Binance allows 300 per 5 minutes per IP).
final class AttemptThrottle: Sendable {
    private let spacingNanoseconds: UInt64
    private let nextSlot = Mutex<UInt64>(0)

    init(minimumSpacingMilliseconds: Int) {
        spacingNanoseconds = UInt64(minimumSpacingMilliseconds) * 1_000_000
    }

    /// Reserves the next free slot at or after `earliest` and returns it.
    func reserve(notBefore earliest: DispatchTime) -> DispatchTime {
        nextSlot.withLock { next in
            let slot = max(earliest.uptimeNanoseconds, next)
            next = slot + spacingNanoseconds
            return DispatchTime(uptimeNanoseconds: slot)
        }
    }
}
