import ArgumentParser
import Collector
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the collector in the foreground until SIGTERM or SIGINT.",
        discussion: """
            On SIGTERM/SIGINT it stops reading, writes everything received, closes its files and exits 0.
            Exit status 78 means the configuration was refused (the message names the key);
            73 means the output directory or the network layer could not be set up.
            """)

    @Option(name: .long, help: "Configuration file (YAML or JSON). Without it: built-in defaults and the environment.")
    var config: String?

    func run() async throws {
        let configuration = try loadConfiguration(config)
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let logger = Logger(label: "stream-collector")
        let service: CollectorService
        do {
            service = try CollectorService(configuration: configuration, logger: logger)
            try service.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(73)
        }
        let signal = await Signals.waitForTermination()
        logger.info("received \(signal); stopping")
        service.stop()
    }
}

/// Loads the configuration or exits 78 (EX_CONFIG) with a message naming the key.
func loadConfiguration(_ path: String?) throws -> CollectorConfiguration {
    do {
        return try ConfigurationLoader.load(path: path)
    } catch {
        Signals.writeError("<3>stream-collector: \(error)\n")
        throw ExitCode(78)
    }
}
