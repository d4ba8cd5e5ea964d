import CLinux

/// Crash reports that end the process.
///
/// The Swift runtime catches fatal signals (SIGSEGV, SIGABRT — systemd's watchdog signal —,
/// SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGQUIT), has its backtracer write a symbolicated backtrace
/// (`SWIFT_BACKTRACE`; the unit points it at the packaged static backtracer), and then returns
/// from its handler. A real fault faults again and kills the process, but a signal sent with
/// `kill` would leave it running in whatever state a fault left it. After `install`, every such
/// signal ends the process with its default action once the backtrace is written. The signals are
/// unblocked too, in case whoever started the process had them blocked.
public enum CrashReports {
    /// Call first thing in `main`, after the runtime installed its handlers and before any thread starts.
    public static func install() {
        _ = sc_exit_after_crash_handlers()
    }
}
