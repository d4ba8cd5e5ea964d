import Foundation
import Testing

/// A consumer written with a real Binance client library — python-binance's futures multiplex
/// socket, `scripts/binance-consumer.py` — pointed at the built-in servers instead of Binance,
/// unchanged: `simulate` gives it every stream, `replay --serve` every recorded event once.
@Suite(.serialized) struct ClientLibraryTests {
    static let consumer = ServiceInstallTests.repository.appendingPathComponent("scripts/binance-consumer.py").path

    /// What the consumer printed: the messages, and how it ended.
    struct Consumed {
        let messages: [[String: Any]]
        let end: String?

        init(_ output: String) {
            let objects = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            messages = objects.filter { $0["stream"] != nil }
            end = objects.last?["end"] as? String
        }

        func on(_ stream: String) -> [[String: Any]] { messages.filter { $0["stream"] as? String == stream } }

        /// `E` of every event on `stream`, in order (an `!assetIndex@arr` message holds many).
        func eventTimes(_ stream: String) -> [Int64] {
            on(stream).flatMap { message -> [Int64] in
                let events = (message["data"] as? [[String: Any]]) ?? [(message["data"] as? [String: Any]) ?? [:]]
                return events.compactMap { ($0["E"] as? NSNumber)?.int64Value }
            }
        }
    }

    func consume(port: Int, _ streams: [String], _ options: [String] = []) async throws -> Consumed {
        let arguments = [Self.consumer, "--url", "ws://127.0.0.1:\(port)/"] + streams.flatMap { ["--stream", $0] } + options
        let run = try await ExternalTool.pythonBinance.run(arguments)
        #expect(run.status == 0, "\(run.output.suffix(2000))")
        return Consumed(run.output)
    }

    @Test(.enabled(if: ExternalTool.pythonBinance.runsTests, ExternalTool.pythonBinance.skipReason))
    func pythonBinanceReceivesEveryStreamFromTheSimulator() async throws {
        guard ExternalTool.pythonBinance.require() else { return }
        let simulator = try await ServingProcess(["simulate", "--listen", "127.0.0.1:0"])
        let port = try #require(simulator.port)
        let streams = ["!assetIndex@arr", "btcusd@assetIndex", "!contractInfo"]
        let got = try await consume(port: port, streams, ["--until-each", "1", "--seconds", "90"])
        #expect(got.end == "enough", "every stream delivered: \(got.messages.map { $0["stream"] ?? "" })")
        let array = try #require(got.on("!assetIndex@arr").first?["data"] as? [[String: Any]])
        #expect(array.count == 20 && array.allSatisfy { $0["e"] as? String == "assetIndexUpdate" })
        let single = try #require(got.on("btcusd@assetIndex").first?["data"] as? [String: Any])
        #expect(single["e"] as? String == "assetIndexUpdate" && single["s"] as? String == "BTCUSD")
        let contract = try #require(got.on("!contractInfo").first?["data"] as? [String: Any])
        #expect(contract["e"] as? String == "contractInfo" && contract["s"] is String && contract["cs"] is String)
        #expect(Set(got.messages.compactMap { $0["stream"] as? String }).isSubset(of: Set(streams)))

        // The same consumer on Binance's /public route: acknowledged, but the market streams are not there.
        let publicRoute = try await consume(port: port, streams, ["--category", "public", "--seconds", "3"])
        #expect(publicRoute.end == "timeout" && publicRoute.messages.isEmpty)
    }

    @Test(.enabled(if: ExternalTool.pythonBinance.runsTests, ExternalTool.pythonBinance.skipReason))
    func pythonBinanceGetsEveryRecordedEventOnceFromReplayUntilTheServerCloses() async throws {
        guard ExternalTool.pythonBinance.require() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("client-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ServedReplayTests.record(directory)
        let served = try await ServedReplayTests.serve(directory, ["--speed", "max"])
        let port = try #require(served.port)
        // Two of the three recorded streams: ethusd@assetIndex must not come.
        let got = try await consume(port: port, ["!assetIndex@arr", "btcusd@assetIndex"], ["--seconds", "60"])
        #expect(got.end == "closed", "ended by the server's close")
        let seconds = ServedReplayTests.everySecond
        #expect(got.eventTimes("!assetIndex@arr") == seconds.flatMap { [$0, $0, $0] }, "three symbols each second, each once, in order")
        #expect(got.eventTimes("btcusd@assetIndex") == seconds)
        #expect(got.messages.count == 2 * seconds.count, "nothing added: \(got.messages.count) messages")
        let symbols = got.on("!assetIndex@arr").flatMap { ($0["data"] as? [[String: Any]] ?? []).compactMap { $0["s"] as? String } }
        #expect(Set(symbols) == ["BTCUSD", "ETHUSD", "ADAUSD"])
    }
}
