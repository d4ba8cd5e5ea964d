import ArgumentParser
import Collector
import FoundationEssentials
import HTTPServing
import Logging
import SystemService

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the collector in the foreground until SIGTERM or SIGINT.",
        discussion: """
            SIGTERM/SIGINT: stop reading, write everything received, close the files, exit 0.
            SIGHUP: reload the configuration file (streams, symbols, rest.sources, output settings,
            log level; the other keys need a restart) and start new files; an invalid file is rejected with a log
            line and the running configuration stays in effect.
            Under systemd (Type=notify) it reports READY=1 once it is set up (configuration, output
            directory, metrics listener, network loop), whether or not the exchange answers; STATUS=
            with live streams and reconnect plans; and WATCHDOG=1 while every thread and queue of the
            daemon answers its heartbeat (an unreachable exchange does not stop the pings).
            With metrics.listen set it serves /metrics (Prometheus) and /healthz (200 only while events
            flow, the disk accepts writes and every thread answers; 503 with the reason otherwise).
            Exit status 78 means the configuration was refused (the message names the key);
            73 means the output directory, the network layer or the metrics listener could not be set up.
            """)

    @Option(name: .long, help: "Configuration file (YAML or JSON). Without it: built-in defaults and the environment.")
    var config: String?

    /// Runs on the main thread, which then waits for signals. Nothing here uses Swift concurrency
    /// (see `ServiceSupervisor`): besides the main thread, the daemon's threads are the network
    /// thread, the supervisor's, Dispatch's workers for the collector's serial queues, a
    /// short-lived one per host lookup and, with `metrics.listen`, one event-loop thread.
    func run() throws {
        MallocPolicy.apply()
        let configuration = try loadConfiguration(config)
        let level = LogLevelControl(Logger.Level(rawValue: configuration.logLevel) ?? .info)
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let logger = Logger(label: "stream-collector")
        // Handled from here on: a SIGHUP during start-up must not end the process.
        let signals = Signals.inbox(of: [.terminate, .interrupt, .hangUp])
        let registry = configuration.metricsListen.map { _ in MetricsEndpoint.bootstrap() }
        let service: CollectorService
        do {
            service = try CollectorService(configuration: configuration, logger: logger)
            try service.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(73)
        }
        var metrics: ListeningSocket?
        if let address = configuration.metricsListen, let registry {
            do {
                metrics = try MetricsEndpoint.start(on: address, registry: registry, service: service)
                logger.info("metrics on http://\(ListenAddress(host: address.host, port: metrics?.port ?? address.port))/metrics and /healthz")
            } catch {
                logger.critical("cannot listen on metrics.listen \(address): \(error); choose another address, or set metrics.listen to \"\" for no metrics endpoint")
                service.stop()
                throw ExitCode(73)
            }
        }
        let supervisor = ServiceSupervisor(service: service, notifier: ServiceNotifier(), logger: logger)
        supervisor.ready()
        while true {
            let signal = signals.next()
            if signal == .hangUp {
                supervisor.reload {
                    let requested = try ConfigurationLoader.load(path: config)
                    let restartOnly = service.reload(requested)
                    level.level = Logger.Level(rawValue: requested.logLevel) ?? level.level
                    return restartOnly
                }
                continue
            }
            logger.info("received \(signal.rawValue); stopping")
            supervisor.stopping()
            service.stop()
            metrics?.syncStop()
            return
        }
    }
}

/// Loads the configuration or exits 78 (EX_CONFIG) with a message naming the key.
func loadConfiguration(_ path: String?) throws -> CollectorConfiguration {
    do {
        return try ConfigurationLoader.load(path: path)
    } catch {
        StandardError.print("<3>stream-collector: \(error)")
        throw ExitCode(78)
    }
}
