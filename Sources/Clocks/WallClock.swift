import Glibc

/// The system's real-time clock in microseconds since the Unix epoch: for what is a date
/// (`recvTime`, gap bounds, file names and partitions, headers). NTP or an operator can step it,
/// so it never measures a duration: `MonotonicClock` does.
public enum WallClock {
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
