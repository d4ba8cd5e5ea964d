import ArgumentParser
import MarketDecoding

/// The decoder alone, in process: the flood's frames turned into records, nothing received and
/// nothing written. `capture` reports it beside the floor's wire rate; on its own it is the
/// workload to profile the decoder with (`perf record -- stream-collector-bench decode`).
struct DecodeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decoder throughput alone (frames → records, in process), for profiling.")

    @Option(help: "Passes over 2 000 flood frames (the median is printed).")
    var passes = 25

    @Option(help: "Events per !assetIndex@arr frame.")
    var symbols = 40

    func run() {
        let rate = Self.throughput(FloodFrames(symbols: symbols), passes: passes)
        print("decode only (frames → records, in process): \(BenchReport.format(rate / 1e6)) MB/s")
    }

    /// Bytes per second of frames turned into records by `FrameDecoder` (median of `passes` passes
    /// over 2 000 frames, each with its own event time).
    static func throughput(_ frames: FloodFrames, passes: Int) -> Double {
        let inputs = (0..<2000).map { InboundFrame(payload: frames.bytes(Int64($0)), isBinary: false, receivedAtMicros: 1_800_000_000_000_000, source: "bench") }
        let bytes = inputs.reduce(0) { $0 + $1.payload.count }
        let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        var rates: [Double] = []
        var records = 0
        for _ in 0..<max(1, passes) {
            let start = ChildProcess.monotonicSeconds()
            for input in inputs { records &+= decoder.decode(input).records.count }
            rates.append(Double(bytes) / (ChildProcess.monotonicSeconds() - start))
        }
        precondition(records == rates.count * inputs.count * frames.symbols, "every event decodes")
        return rates.sorted()[rates.count / 2]
    }
}
