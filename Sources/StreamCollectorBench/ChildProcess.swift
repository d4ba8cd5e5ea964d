import Glibc

/// Runs a program to completion with its output sent to a file, and measures it the way `time -v`
/// does: wall-clock seconds, CPU seconds and peak resident memory (from `wait4`).
struct ChildProcess {
    struct Measurement {
        let status: Int32
        let wallSeconds: Double
        let cpuSeconds: Double
        let peakRSSBytes: Int
    }

    /// `arguments[0]` is looked up in PATH when it has no '/'.
    static func run(_ arguments: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") -> Measurement {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = monotonicSeconds()
        guard posix_spawnp(&pid, argv[0]!, &actions, nil, argv, environ) == 0 else {
            return Measurement(status: 127, wallSeconds: 0, cpuSeconds: 0, peakRSSBytes: 0)
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = monotonicSeconds() - start
        let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Measurement(status: exit, wallSeconds: wall, cpuSeconds: cpu, peakRSSBytes: Int(usage.ru_maxrss) * 1024)
    }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
}
