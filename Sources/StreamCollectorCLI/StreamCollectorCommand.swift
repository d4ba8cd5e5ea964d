import ArgumentParser
import SystemService

@main
struct StreamCollectorCommand: AsyncParsableCommand {
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

    static func main() async {
        CrashReports.install()
        await main(nil)
    }
}
