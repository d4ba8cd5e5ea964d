import ArgumentParser
import Dispatch
import SystemService
import Synchronization

@main
struct StreamCollectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-collector",
        abstract: "Capture Binance USDⓈ-M futures market streams into rotating NDJSON files.",
        discussion: """
            Streams: !assetIndex@arr, <symbol>@assetIndex and !contractInfo on the routed /market endpoint.
            Files: <output.directory>/<family>/date=YYYY-MM-DD/hour=HH/<family>-<UTC time>-<id>.ndjson
            Configuration: YAML (or JSON); every key can be overridden by STREAM_COLLECTOR_<KEY>
            (e.g. STREAM_COLLECTOR_OUTPUT_DIRECTORY). See config/stream-collector.yaml.
            """,
        version: "0.9.0", // = VERSION (a test checks)
        subcommands: [RunCommand.self, CheckConfigCommand.self, SimulateCommand.self, ReplayCommand.self, VerifyCommand.self])

    /// Runs the chosen command on the main thread; an async one (`simulate`, `replay`) runs as a
    /// task while the main thread waits. `run` is synchronous so that the daemon never starts
    /// Swift's cooperative pool (see `RunCommand.run`).
    static func main() {
        CrashReports.install()
        do {
            var command = try parseAsRoot()
            if let asyncCommand = command as? any AsyncParsableCommand {
                try waitFor(asyncCommand)
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// Runs `command` as a task and waits for it to end, rethrowing what it threw.
    private static func waitFor(_ command: sending any AsyncParsableCommand) throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Task {
            var command = command
            let result: Result<Void, any Error>
            do {
                try await command.run()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        finished.wait()
        try outcome.withLock { $0 }?.get()
    }
}
