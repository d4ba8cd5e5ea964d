import Glibc

/// The system's monotonic clock (`CLOCK_MONOTONIC`, the clock Dispatch's deadlines run on) in
/// nanoseconds since an arbitrary start: for durations — ages, silences, timeouts. A step of the
/// wall clock does not move it.
public enum MonotonicClock {
    public static func nowNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
