import CLinux
import Clocks
import FoundationEssentials
import Glibc

/// The systemd notify protocol, spoken without libsystemd: each message is one datagram of
/// `KEY=VALUE` lines sent to the `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a leading `@` names
/// an abstract socket).
///
/// Without `$NOTIFY_SOCKET` (not started by systemd) every send is a no-op that succeeds, so
/// callers never need to ask. Thread-safe: it keeps no state after `init`.
public struct ServiceNotifier: Sendable {
    /// The notify socket, or nil when the process was not started with `Type=notify`.
    public let socket: String?
    /// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, or nil when no watchdog is set
    /// for this process (`$WATCHDOG_PID` names another one, or the variable is absent).
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forThisProcess = environment["WATCHDOG_PID"].map { $0 == String(getpid()) } ?? true
        if forThisProcess, let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 {
            watchdogInterval = .microseconds(micros / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Startup is finished; `status` says what the service is doing.
    public func ready(status: String) throws(NotifyError) {
        try send(["READY=1", "STATUS=\(status)"])
    }

    public func status(_ text: String) throws(NotifyError) {
        try send(["STATUS=\(text)"])
    }

    /// The service is healthy; systemd restarts it when these stop for `WatchdogSec`.
    public func watchdog() throws(NotifyError) {
        try send(["WATCHDOG=1"])
    }

    /// A reload began; send `ready(status:)` when it is done (accepted or rejected).
    public func reloading() throws(NotifyError) {
        try send(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.nowNanoseconds() / 1000)"])
    }

    public func stopping() throws(NotifyError) {
        try send(["STOPPING=1"])
    }

    /// Sends the lines as one datagram.
    public func send(_ lines: [String]) throws(NotifyError) {
        guard let socket else { return }
        let message = Array((lines.joined(separator: "\n") + "\n").utf8)
        let code = message.withUnsafeBytes { sc_send_datagram(socket, $0.baseAddress, $0.count) }
        if code != 0 { throw NotifyError(socket: socket, code: code) }
    }
}

/// A notify message that did not reach systemd.
public struct NotifyError: Error, Sendable, CustomStringConvertible {
    public let socket: String
    public let code: Int32

    public var description: String {
        "could not notify systemd at NOTIFY_SOCKET=\(socket): \(String(cString: strerror(code))); readiness and watchdog pings are lost (is the unit's NotifyAccess= wrong?)"
    }
}
