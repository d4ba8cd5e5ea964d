import Collector
import Logging
import MarketDecoding
import SystemService

/// Tells systemd how the collector is doing: `READY=1` once every subscription is answered,
/// `STATUS=` when the picture changes (and every 30 s), `WATCHDOG=1` at half of `WatchdogSec`
/// only while events flow and the disk accepts writes, `RELOADING=1`/`READY=1` around a reload,
/// `STOPPING=1`. Each change of watchdog state is logged once with its reason.
actor ServiceSupervisor {
    private let service: CollectorService
    private let notifier: ServiceNotifier
    private let logger: Logger
    private var readySent = false
    private var lastStatus = (shape: "", atMicros: Int64(0))
    private var lastPingMicros = Int64(0)
    private var withholding: String?
    private var notifyFailed = false

    init(service: CollectorService, notifier: ServiceNotifier, logger: Logger) {
        self.service = service
        self.notifier = notifier
        self.logger = logger
    }

    /// Checks the collector until cancelled.
    func run() async {
        let tick = notifier.watchdogInterval.map { min(.seconds(1), $0 / 4) } ?? .seconds(1)
        while !Task.isCancelled {
            check(nowMicros: WallClock.nowMicroseconds())
            try? await Task.sleep(for: tick)
        }
    }

    /// Runs `apply` between `RELOADING=1` and `READY=1`; a thrown error rejects the new
    /// configuration (logged) and leaves the running one in effect.
    func reload(_ apply: () throws -> [String]) {
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

    func stopping() {
        notify { try notifier.stopping() }
    }

    private func check(nowMicros now: Int64) {
        let health = service.health(nowMicros: now)
        if !readySent, health.ready {
            readySent = true
            logger.info("every subscription answered; ready (\(health.summary))")
            notify { try notifier.ready(status: health.summary) }
            lastStatus = (shape(health), now)
        } else if readySent, shape(health) != lastStatus.shape || now - lastStatus.atMicros >= 30_000_000 {
            notify { try notifier.status(health.summary) }
            lastStatus = (shape(health), now)
        }
        guard let interval = notifier.watchdogInterval else { return }
        let reason = health.writer.failing ? "the disk refuses writes" : (health.flowing ? nil : "events are not flowing (\(health.liveStreams)/\(health.streams) streams live)")
        if reason != withholding {
            if let reason {
                logger.warning("withholding systemd watchdog pings: \(reason)")
            } else if withholding != nil {
                logger.notice("healthy again; systemd watchdog pings resumed")
            }
            withholding = reason
        }
        let intervalMicros = interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000
        if reason == nil, now - lastPingMicros >= intervalMicros {
            lastPingMicros = now
            notify { try notifier.watchdog() }
        }
    }

    /// What the status line says apart from its counters: a change is reported at once.
    private func shape(_ health: CollectorHealth) -> String {
        "\(health.liveStreams)/\(health.streams) \(health.writer.failing)"
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
