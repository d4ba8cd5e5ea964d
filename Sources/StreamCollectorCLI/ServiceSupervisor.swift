import Clocks
import Collector
import Dispatch
import Logging
import MarketDecoding
import SystemService
import WebSocketTransport

/// Tells systemd how the daemon is doing, measuring the daemon rather than the exchange:
/// - `READY=1` (`ready()`) once its machinery is up — configuration valid, output directory
///   writable, metrics listener bound, network loop running — whether or not the exchange answers;
/// - `WATCHDOG=1` at half of `WatchdogSec` while every long-lived thread and queue answers its
///   heartbeat (`CollectorService.checkHeartbeat`): a wedged thread stops the pings and systemd
///   restarts the service; an unreachable exchange does not, since a restart never brings it back;
/// - `STATUS=` within a check (5 s) of a change, and every 30 s: streams live, what the others are doing
///   (`reconnecting in 20 s (attempt 9): connection refused`), the disk;
/// - `RELOADING=1`/`READY=1` around a reload, `STOPPING=1`.
/// Each change of watchdog state is logged once with its reason.
///
/// Its state is owned by a serial queue of its own. The checks run on a thread of their own
/// (`supervisor`), which sleeps between them on the monotonic clock: apart from the collector's
/// queues, so they see those wedge; one wake-up per check (a Dispatch timer would wake Dispatch's
/// manager thread and then a worker); and a step of the wall clock cannot hold the watchdog's
/// pings back. It uses no Swift concurrency: the `run` process never puts work on
/// Swift's global executor, whose first use starts libdispatch's pool monitor and with it a
/// wake-up every second for the process's life.
final class ServiceSupervisor: @unchecked Sendable {
    // @unchecked: the `var`s below are touched only on `queue` (checked in `check`).
    /// How long a thread may leave its probe unanswered without a watchdog to feed.
    private static let defaultStallLimit = Duration.seconds(30)

    private let queue = DispatchQueue(label: "stream-collector.supervisor")

    private let service: CollectorService
    private let notifier: ServiceNotifier
    private let logger: Logger
    private var lastStatus = (shape: "", atNanos: Int64(0))
    private var lastPingNanos = Int64(0)
    private var withholding: String?
    private var notifyFailed = false
    /// Set by `stopping()`: no check runs after it, and the checking thread ends.
    private var stopped = false

    init(service: CollectorService, notifier: ServiceNotifier, logger: Logger) {
        self.service = service
        self.notifier = notifier
        self.logger = logger
    }

    /// Start-up is done: `READY=1` with the first status line; from now on the daemon is checked
    /// every 5 s, or a quarter of `WatchdogSec` if that is shorter, until `stopping()`.
    func ready() {
        queue.sync {
            let health = service.health()
            logger.info("ready (\(health.summary))")
            notify { try notifier.ready(status: health.summary) }
            lastStatus = (shape(health), MonotonicClock.nowNanoseconds())
        }
        let tick = notifier.watchdogInterval.map { min(.seconds(5), $0 / 4) } ?? .seconds(5)
        let tickNanos = tick.inNanoseconds
        NamedThread.start(name: "supervisor") { [self] in
            while queue.sync(execute: checkUnlessStopped) {
                MonotonicClock.sleep(nanoseconds: tickNanos)
            }
        }
    }

    /// Runs `apply` between `RELOADING=1` and `READY=1`; a thrown error rejects the new
    /// configuration (logged) and leaves the running one in effect.
    func reload(_ apply: () throws -> [String]) {
        queue.sync {
            notify { try notifier.reloading() }
            logger.notice("SIGHUP: reloading the configuration")
            do {
                let restartOnly = try apply()
                if !restartOnly.isEmpty {
                    logger.warning("changed in the file but applied only after a restart: \(restartOnly.joined(separator: ", ")); their running values stay in effect")
                }
            } catch {
                logger.error("configuration rejected: \(error); the running configuration stays in effect")
            }
            let health = service.health()
            notify { try notifier.ready(status: health.summary) }
        }
    }

    /// `STOPPING=1`; the checks end (one under way finishes first; the checking thread ends when
    /// it next wakes).
    func stopping() {
        queue.sync {
            stopped = true
            notify { try notifier.stopping() }
        }
    }

    /// A check, unless `stopping()` came first; false then, and the checking thread ends.
    private func checkUnlessStopped() -> Bool {
        guard !stopped else { return false }
        check(nowNanos: MonotonicClock.nowNanoseconds())
        return true
    }

    private func check(nowNanos now: Int64) {
        dispatchPrecondition(condition: .onQueue(queue))
        let stalls = service.checkHeartbeat(limit: notifier.watchdogInterval ?? Self.defaultStallLimit)
        let health = service.health()
        if shape(health) != lastStatus.shape || now - lastStatus.atNanos >= 30_000_000_000 {
            notify { try notifier.status(health.summary) }
            lastStatus = (shape(health), now)
        }
        let reason = stalls.isEmpty ? nil : stalls.map(\.description).joined(separator: ", ")
        if reason != withholding {
            if let reason {
                logger.error("a thread is wedged (\(reason)): \(notifier.watchdogInterval == nil ? "no systemd watchdog is set to restart the service" : "withholding systemd watchdog pings, so systemd restarts the service")")
            } else if withholding != nil {
                logger.notice("every thread answers again\(notifier.watchdogInterval == nil ? "" : "; systemd watchdog pings resumed")")
            }
            withholding = reason
        }
        guard let interval = notifier.watchdogInterval, reason == nil else { return }
        if now - lastPingNanos >= interval.inNanoseconds {
            lastPingNanos = now
            notify { try notifier.watchdog() }
        }
    }

    /// What the status line says apart from its counters and countdowns: a change is reported at once.
    private func shape(_ health: CollectorHealth) -> String {
        "\(health.liveStreams)/\(health.streams) \(health.writer.failing) \(health.stalls.map(\.name))"
            + health.shards.map { "\($0.retry?.attempt ?? 0)" }.joined(separator: ",")
    }

    private func notify(_ send: () throws -> Void) {
        do {
            try send()
            notifyFailed = false
        } catch {
            if !notifyFailed { logger.error("\(error)") }
            notifyFailed = true
        }
    }
}
