import Foundation
import Glibc
import Synchronization

/// Runs a program (to completion, or until signalled) with its output sent to a file, and measures
/// it the way `time -v` does: wall-clock seconds, CPU seconds (from `wait4`) and peak resident
/// memory — the program's own `VmHWM`, sampled every 20 ms, because `ru_maxrss` of a child
/// started by `posix_spawn` starts from the parent's peak (the child shares its memory until exec).
/// Also the peak of `RssAnon`: the resident memory that is the program's own (heap, stacks),
/// without the mapped pages of shared libraries that `VmHWM` counts too.
struct ChildProcess {
    struct Measurement {
        let status: Int32
        let wallSeconds: Double
        let cpuSeconds: Double
        let peakRSSBytes: Int
        let peakAnonymousBytes: Int
    }

    /// A started program, measured when it ends.
    struct Running {
        let pid: pid_t
        let startedAt: Double
        private let peak: ProcessSampler

        init(pid: pid_t, startedAt: Double) {
            self.pid = pid
            self.startedAt = startedAt
            peak = ProcessSampler(pid: pid)
        }

        /// Sends `signal` (if any), waits for the exit and measures the run.
        func finish(signal: Int32? = nil) -> Measurement {
            peak.sample()
            if let signal { kill(pid, signal) }
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
            let wall = monotonicSeconds() - startedAt
            let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
            let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            let peaks = peak.stop()
            return Measurement(status: exit, wallSeconds: wall, cpuSeconds: cpu, peakRSSBytes: peaks.rss ?? Int(usage.ru_maxrss) * 1024,
                               peakAnonymousBytes: peaks.anonymous ?? 0)
        }

        /// CPU seconds the program's threads have run so far, from each one's
        /// `/proc/<pid>/task/<tid>/schedstat` (nanoseconds, where `/proc/<pid>/stat` counts 10 ms
        /// ticks: too coarse for a process that runs a few milliseconds a minute). A thread that
        /// has ended counts as last sampled (every 20 ms): Dispatch ends idle workers and starts
        /// new ones, and a sum over the live threads alone would lose their time.
        func cpuSecondsSoFar() -> Double? {
            peak.cpuSecondsSoFar()
        }
    }

    /// Samples a process's `VmHWM` (peak resident set) and `RssAnon` until stopped, keeping the
    /// largest, and each of its threads' CPU time, keeping the latest.
    private final class ProcessSampler: Sendable {
        private let pid: pid_t
        private let state = Mutex<(rss: Int?, anonymous: Int?, running: Bool)>((nil, nil, true))
        /// Nanoseconds each thread (by id) had run when last sampled.
        private let threadNanoseconds = Mutex<[String: Double]>([:])

        init(pid: pid_t) {
            self.pid = pid
            Thread.detachNewThread { [self] in
                while state.withLock({ $0.running }) {
                    sample()
                    usleep(20_000)
                }
            }
        }

        func sample() {
            sampleThreads()
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return }
            func bytes(_ field: String) -> Int? {
                guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
                      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
                return kilobytes * 1024
            }
            let rss = bytes("VmHWM:"), anonymous = bytes("RssAnon:")
            state.withLock { state in
                if let rss { state.rss = max(state.rss ?? 0, rss) }
                if let anonymous { state.anonymous = max(state.anonymous ?? 0, anonymous) }
            }
        }

        private func sampleThreads() {
            let seen = ChildProcess.threadRunNanoseconds(of: "\(pid)")
            threadNanoseconds.withLock { $0.merge(seen) { max($0, $1) } }
        }

        func cpuSecondsSoFar() -> Double? {
            sampleThreads()
            let nanoseconds = threadNanoseconds.withLock { $0.values.reduce(0, +) }
            return nanoseconds > 0 ? nanoseconds / 1e9 : nil
        }

        func stop() -> (rss: Int?, anonymous: Int?) {
            state.withLock { state in
                state.running = false
                return (state.rss, state.anonymous)
            }
        }
    }

    /// Starts `arguments` (`arguments[0]` is looked up in PATH when it has no '/'); nil if it
    /// cannot be started.
    static func start(_ arguments: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") -> Running? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // The child starts with no signal blocked and default dispositions, whatever the calling
        // thread (a Dispatch or NIO worker) has blocked: SIGTERM must reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let startedAt = monotonicSeconds()
        guard posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, environ) == 0 else { return nil }
        return Running(pid: pid, startedAt: startedAt)
    }

    /// Runs `arguments` to completion.
    static func run(_ arguments: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") -> Measurement {
        start(arguments, stdout: stdout, stderr: stderr)?.finish()
            ?? Measurement(status: 127, wallSeconds: 0, cpuSeconds: 0, peakRSSBytes: 0, peakAnonymousBytes: 0)
    }

    /// Nanoseconds each thread (by id) of `process` (a pid, or "self") has run, from its
    /// `schedstat`; only the threads whose name `named` accepts, when given.
    static func threadRunNanoseconds(of process: String, named: ((String) -> Bool)? = nil) -> [String: Double] {
        let tasks = "/proc/\(process)/task"
        var seen: [String: Double] = [:]
        for thread in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            if let named {
                guard let name = try? String(contentsOfFile: "\(tasks)/\(thread)/comm", encoding: .utf8), named(name) else { continue }
            }
            guard let text = try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8),
                  let running = text.split(separator: " ").first.flatMap({ Double($0) }) else { continue }
            seen[thread] = running
        }
        return seen
    }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
}
