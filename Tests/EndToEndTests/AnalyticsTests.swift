import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// The files as they are, read by analytics engines: DuckDB and Spark over the Hive-style
/// folders, `.ndjson` and `.ndjson.gz` together (`scripts/check-duckdb` and `scripts/check-spark`,
/// which compare their counts and types with the files), on the output of a short real capture.
@Suite(.serialized) struct AnalyticsTests {
    @Test(.enabled(if: ExternalTool.duckDB.runsTests, ExternalTool.duckDB.skipReason))
    func duckDBReadsCompressedAndPlainFilesWithTheRightCountsAndTypes() async throws {
        guard ExternalTool.duckDB.require() else { return }
        let stopped = try await capture()
        let check = try await ExternalTool.duckDB.run([Self.script("check-duckdb"), stopped.dataDirectory])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("OK: DuckDB reads every record"))
        #expect(check.output.contains("assetIndexUpdate="))
        #expect(check.output.contains("contractInfo=5"))
    }

    @Test(.enabled(if: ExternalTool.pySpark.runsTests && ExternalTool.java.runsTests, ExternalTool.pySpark.skipReason))
    func sparkDiscoversThePartitionsAndReadsEveryRecordExactly() async throws {
        guard ExternalTool.pySpark.require(), ExternalTool.java.require() else { return }
        let stopped = try await capture()
        let check = try await ExternalTool.pySpark.run([Self.script("check-spark"), stopped.dataDirectory])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("OK: Spark reads every record with the right types and partitions"))
        #expect(check.output.contains("compressed)"), "\(check.output)")
        #expect(check.output.contains("contractInfo=5"))
    }

    static func script(_ name: String) -> String { ServiceInstallTests.repository.appendingPathComponent("scripts/\(name)").path }

    /// Five seconds of `!assetIndex@arr` and five `contractInfo` events, with 1 s files compressed
    /// 1 s after closing; returns the collector once it has stopped, with plain and compressed
    /// files in its output directory (removed with it).
    func capture() async throws -> DaemonProcess {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: server.collectorConfiguration(streams: ["!assetIndex@arr", "!contractInfo"]),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "1", "STREAM_COLLECTOR_OUTPUT_COMPRESS_AFTER_SECONDS": "1"])
        _ = try await server.subscriber(to: ["!assetIndex@arr", "!contractInfo"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(20))
        for tick in 0..<5 {
            server.hub.publish(stream: "!contractInfo", payload: ShipperTests.contractInfo(eventTime: 1_795_268_300_000 + Int64(tick), brackets: 3))
            try await Task.sleep(for: .seconds(1))
        }
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("some files compressed") {
            (FileManager.default.enumerator(atPath: daemon.dataDirectory)?.allObjects as? [String] ?? []).contains { $0.hasSuffix(".ndjson.gz") }
        }
        _ = try await finishRun(feed, daemon)
        #expect(!files.paths("asset-index").isEmpty, "plain files too")
        return daemon
    }
}
