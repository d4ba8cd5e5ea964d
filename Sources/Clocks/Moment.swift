/// One instant read on both clocks: the wall clock for what is a date (`recvTime`, gap bounds,
/// file names), the monotonic clock for what is a duration (ages, silences, timeouts). A step of
/// the wall clock moves `wallMicros` and leaves `monotonicNanos` alone.
public struct Moment: Sendable, Equatable {
    /// Microseconds since the Unix epoch (`WallClock`).
    public let wallMicros: Int64
    /// Nanoseconds on `MonotonicClock`.
    public let monotonicNanos: Int64

    public init(wallMicros: Int64, monotonicNanos: Int64) {
        self.wallMicros = wallMicros
        self.monotonicNanos = monotonicNanos
    }

    /// Both clocks, now.
    public static func now() -> Moment {
        Moment(wallMicros: WallClock.nowMicroseconds(), monotonicNanos: MonotonicClock.nowNanoseconds())
    }

    /// Nanoseconds from `earlier` to `self` on the monotonic clock.
    public func nanoseconds(since earlier: Moment) -> Int64 { monotonicNanos - earlier.monotonicNanos }

    /// This moment `nanoseconds` later, on both clocks.
    public func advanced(byNanoseconds nanoseconds: Int64) -> Moment {
        Moment(wallMicros: wallMicros + nanoseconds / 1000, monotonicNanos: monotonicNanos + nanoseconds)
    }
}
