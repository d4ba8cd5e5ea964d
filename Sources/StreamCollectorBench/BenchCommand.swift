import ArgumentParser

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-collector-bench",
        abstract: "Benchmarks of stream-collector, side by side with a reference in one run (scripts/bench runs them).",
        subcommands: [GenerateCommand.self, ReplayBenchmark.self, CaptureBenchmark.self, DecodeBenchmark.self])
}
