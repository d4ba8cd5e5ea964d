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

    /// Blocks the calling thread for `nanoseconds` on this clock: a step of the wall clock
    /// neither shortens nor stretches the sleep (Dispatch's timed semaphore waits end at a
    /// wall-clock instant, so a step back would stretch them by the step).
    public static func sleep(nanoseconds: Int64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while clock_nanosleep(CLOCK_MONOTONIC, 0, &request, &remaining) == EINTR {
            request = remaining
        }
    }
}
