import ArgumentParser
import Foundation
import RecordStorage

/// `replay` and `verify` over a synthetic recording, side by side with `jq` in one run:
/// filtering one symbol out of uncompressed files, rounds alternating, medians reported.
struct ReplayBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay (one symbol filtered) against jq, verify throughput, and replay memory at two data sizes.")

    @OptionGroup var measured: MeasuredCollector

    @Option(help: "Work directory for the generated data (removed afterwards).")
    var work = "/tmp/stream-collector-bench"

    @Option(help: "Seconds of market data in the large recording (42 lines a second).")
    var seconds = 50_000

    func run() throws {
        let large = "\(work)/large", small = "\(work)/small"
        try? FileManager.default.removeItem(atPath: work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        print("generating \(seconds) s of data (\(seconds * 42) lines) and \(seconds / 4) s …")
        let lines = try RecordingGenerator().generate(into: large, seconds: seconds)
        _ = try RecordingGenerator().generate(into: small, seconds: seconds / 4)
        let files = try DataDirectory(path: large).allFiles.map(\.path)
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        let totalLines = lines + files.count
        print("\(files.count) files, \(bytes >> 20) MiB, \(totalLines) lines")

        let replay = [measured.binary, "replay", "--data-dir", large, "--symbol", "BTCUSD"]
        let jq = ["jq", "-c", #"select(.symbol=="BTCUSD")"#] + files
        let verify = [measured.binary, "verify", "--data-dir", large, "--json"]
        let hasJQ = ChildProcess.run(["jq", "--version"]).status == 0
        var replayRuns: [ChildProcess.Measurement] = [], jqRuns: [ChildProcess.Measurement] = [], verifyRuns: [ChildProcess.Measurement] = []
        for round in 1...measured.rounds {
            print("round \(round)/\(measured.rounds)")
            replayRuns.append(try checked(replay))
            if hasJQ { jqRuns.append(try checked(jq)) }
            verifyRuns.append(ChildProcess.run(verify))
        }
        let smallRun = try checked([measured.binary, "replay", "--data-dir", small])
        let largeRun = try checked([measured.binary, "replay", "--data-dir", large])

        let replayRate = Double(totalLines) / median(replayRuns.map(\.wallSeconds))
        let verifyRate = Double(bytes) / median(verifyRuns.map(\.wallSeconds))
        print("")
        print(row("measure", "median", "per second", "peak RSS"))
        print(row("replay --symbol BTCUSD", seconds(replayRuns), "\(format(replayRate / 1e6)) M lines", mib(replayRuns)))
        if hasJQ {
            let jqRate = Double(totalLines) / median(jqRuns.map(\.wallSeconds))
            print(row("jq select(.symbol==…)", seconds(jqRuns), "\(format(jqRate / 1e6)) M lines", mib(jqRuns)))
            print("")
            print("replay vs jq: \(format(replayRate / jqRate))× (target ≥ 10×: \(verdict(replayRate / jqRate >= 10)))")
        } else {
            print("jq not installed: no comparison (scripts/bench installs it)")
        }
        print("replay: \(format(replayRate / 1e6)) M lines/s (target ≥ 1 M: \(verdict(replayRate >= 1e6)))")
        print("verify: \(format(verifyRate / 1e6)) MB/s (target ≥ 300: \(verdict(verifyRate >= 300e6)))")
        print("replay memory, all records: \(smallRun.peakRSSBytes >> 20) MiB peak at \(seconds / 4) s of data, \(largeRun.peakRSSBytes >> 20) MiB at \(seconds) s (flat: \(verdict(largeRun.peakRSSBytes <= smallRun.peakRSSBytes + smallRun.peakRSSBytes / 4)))")
    }

    private func checked(_ arguments: [String]) throws -> ChildProcess.Measurement {
        let measurement = ChildProcess.run(arguments)
        guard measurement.status == 0 else { throw ValidationError("\(arguments.prefix(3).joined(separator: " ")) … exited with \(measurement.status)") }
        return measurement
    }

    private func median(_ values: [Double]) -> Double { BenchReport.median(values) }
    private func seconds(_ runs: [ChildProcess.Measurement]) -> String { "\(format(median(runs.map(\.wallSeconds)))) s" }
    private func mib(_ runs: [ChildProcess.Measurement]) -> String { "\((runs.map(\.peakRSSBytes).max() ?? 0) >> 20) MiB" }
    private func format(_ value: Double) -> String { BenchReport.format(value) }
    private func verdict(_ met: Bool) -> String { BenchReport.verdict(met) }
    private func row(_ columns: String...) -> String { BenchReport.row(columns, widths: [26, 12, 18, 10]) }
}
