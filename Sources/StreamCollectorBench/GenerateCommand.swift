import ArgumentParser
import MarketDecoding

/// `stream-collector-bench generate`: a synthetic recording for the replay benchmark.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic recording (real decoder and store, simulated clock) into a directory.")

    @Option(help: "Output directory.") var directory: String
    @Option(help: "Seconds of market data (each second: one !assetIndex@arr frame of every symbol).") var seconds = 3600
    @Option(help: "Symbols per frame.") var symbols = 40
    @Option(help: "First second, ISO-8601 UTC.") var start = "2026-11-01T00:00:00Z"
    @Option(help: "Receive delay after the event time, in microseconds.") var delay: Int64 = 1_500

    func run() throws {
        guard let startMicros = UTCTime.microseconds(iso8601: start) else { throw ValidationError("--start is not an ISO-8601 UTC time") }
        let generator = RecordingGenerator(symbols: symbols, startMicros: startMicros, receiveDelayMicros: delay)
        let lines = try generator.generate(into: directory, seconds: seconds)
        print("wrote \(lines) event lines into \(directory)")
    }
}
