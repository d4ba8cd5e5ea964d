import CLinux

/// Whether the host's clock is synchronised, as the kernel says (adjtimex, read-only): every
/// `recvTime` is only as good as the host clock, so the metrics and `/healthz` report it.
public struct ClockSynchronisation: Sendable, Equatable {
    /// The kernel considers the clock synchronised (an NTP, chrony or timesyncd daemon disciplines it).
    public let synchronised: Bool
    /// The kernel's estimate of the clock's error, and its bound, in seconds.
    public let estimatedErrorSeconds: Double
    public let maximumErrorSeconds: Double

    /// The state now, or nil when the call is refused (a sandbox) or fails.
    public static func read() -> ClockSynchronisation? {
        var synchronised: Int32 = 0
        var estimated = 0, maximum = 0
        guard sc_clock_synchronisation(&synchronised, &estimated, &maximum) == 0 else { return nil }
        return ClockSynchronisation(synchronised: synchronised != 0, estimatedErrorSeconds: Double(estimated) / 1e6,
                                    maximumErrorSeconds: Double(maximum) / 1e6)
    }

    /// What to tell the operator about the clock, or nil when it is synchronised.
    public var problem: String? {
        synchronised ? nil : "host clock not synchronised (estimated error \(Self.milliseconds(estimatedErrorSeconds)) ms, at most \(Self.milliseconds(maximumErrorSeconds)) ms): recvTime and event lag are only as good as it; run an NTP client (chrony, systemd-timesyncd)"
    }

    private static func milliseconds(_ seconds: Double) -> Int64 {
        Int64((seconds * 1000).rounded())
    }
}
