import Foundation
import Testing

/// The README's demo: `stream-collector simulate` and the collector, two real processes.
@Suite(.serialized) struct SimulatorTests {
    @Test func theCollectorCapturesTheSimulator() async throws {
        let port = Int.random(in: 20_000...60_000)
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        simulator.arguments = ["simulate", "--listen", "127.0.0.1:\(port)"]
        simulator.standardOutput = FileHandle.nullDevice
        try simulator.run()
        defer { simulator.terminate() }
        try await Task.sleep(for: .milliseconds(500))
        let daemon = try DaemonProcess(configuration: """
            endpoint: ws://127.0.0.1:\(port)/market
            streams: ["!assetIndex@arr", "!contractInfo"]
            symbols: [ADAUSD, BTCUSD]
            subscribe_interval_ms: 20
            """)
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("two ticks of 20 assets plus their per-symbol streams, and a contractInfo", within: 25) {
            let objects = (try? files.objects("asset-index")) ?? []
            let fromArray = objects.filter { $0["stream"] as? String == "!assetIndex@arr" }
            return fromArray.count >= 40 && objects.contains { $0["stream"] as? String == "btcusd@assetIndex" }
                && ((try? files.lines("contract-info").count) ?? 0) >= 1
        }
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        let objects = try files.objects("asset-index")
        #expect(Set(objects.compactMap { $0["symbol"] as? String }).count == 20)
        #expect(objects.allSatisfy { ($0["eventTime"] as? Int).map { $0 % 1000 == 0 } == true })
        #expect(try files.lines("rejected").isEmpty)
    }
}
