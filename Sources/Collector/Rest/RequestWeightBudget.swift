import Dispatch
import Synchronization

/// The request weight sent to each host over the last minute, kept within a limit, and the
/// pause a host imposed with 429 or 418. Thread-safe; shared by every REST request the collector
/// makes (pollers and gap snapshots), so together they stay inside the host's limit.
final class RequestWeightBudget: Sendable {
    private struct Host {
        var spent: [(atNanos: UInt64, weight: Int)] = []
        var pausedUntilNanos: UInt64 = 0

        /// Drops what was spent a whole window before `now`.
        mutating func forget(asOf now: UInt64) {
            spent.removeAll { $0.atNanos + RequestWeightBudget.windowNanos <= now }
        }

        var used: Int { spent.reduce(0) { $0 + $1.weight } }
    }

    static let windowNanos: UInt64 = 60_000_000_000

    let limitPerMinute: Int
    private let hosts = Mutex<[String: Host]>([:])

    init(limitPerMinute: Int) {
        self.limitPerMinute = limitPerMinute
    }

    /// Spends `weight` on `host` and returns 0, or returns how many nanoseconds to wait before
    /// asking again (spending nothing) while the host is paused or the last minute is full.
    func spend(_ weight: Int, on host: String, nowNanos: UInt64 = DispatchTime.now().uptimeNanoseconds) -> UInt64 {
        hosts.withLock { hosts in
            var state = hosts[host, default: Host()]
            defer { hosts[host] = state }
            state.forget(asOf: nowNanos)
            if state.pausedUntilNanos > nowNanos { return state.pausedUntilNanos - nowNanos }
            var excess = state.used + weight - limitPerMinute
            guard excess > 0, !state.spent.isEmpty else {
                state.spent.append((nowNanos, weight))
                return 0
            }
            for entry in state.spent {
                excess -= entry.weight
                if excess <= 0 { return max(1, entry.atNanos + Self.windowNanos - nowNanos) }
            }
            return Self.windowNanos
        }
    }

    /// Holds every request to `host` back for `seconds` (its 429 `Retry-After` or 418 ban).
    func pause(_ host: String, seconds: Int, nowNanos: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        hosts.withLock { hosts in
            let until = nowNanos + UInt64(seconds) * 1_000_000_000
            hosts[host, default: Host()].pausedUntilNanos = max(hosts[host]?.pausedUntilNanos ?? 0, until)
        }
    }

    /// Takes the host's own count for the last minute (Binance's `X-MBX-USED-WEIGHT-1M`, which
    /// includes other clients on the same IP): weight it counted beyond ours is spent now.
    func observe(used: Int, on host: String, nowNanos: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        hosts.withLock { hosts in
            var state = hosts[host, default: Host()]
            state.forget(asOf: nowNanos)
            if used > state.used { state.spent.append((nowNanos, used - state.used)) }
            hosts[host] = state
        }
    }

    /// Weight spent on `host` over the last minute, as far as the collector knows.
    func used(on host: String, nowNanos: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Int {
        hosts.withLock { hosts in
            var state = hosts[host, default: Host()]
            state.forget(asOf: nowNanos)
            return state.used
        }
    }
}
