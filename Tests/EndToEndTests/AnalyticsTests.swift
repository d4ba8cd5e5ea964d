import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// The files as they are, read by an analytics engine: DuckDB over the Hive-style folders,
/// `.ndjson` and `.ndjson.gz` together (`scripts/check-duckdb`, which compares its counts and types
/// with the files).
@Suite(.serialized) struct AnalyticsTests {
    static let hasDuckDB = (try? ServiceInstallTests.run("/usr/bin/env", ["python3", "-c", "import duckdb"]).status) == 0

    @Test(.enabled(if: hasDuckDB, "the duckdb Python package is not installed (python3 -m pip install duckdb; .ci/run installs it)"))
    func duckDBReadsCompressedAndPlainFilesWithTheRightCountsAndTypes() async throws {
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

        let script = ServiceInstallTests.repository.appendingPathComponent("scripts/check-duckdb").path
        let check = try ServiceInstallTests.run("/usr/bin/env", ["python3", script, daemon.dataDirectory])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("OK: DuckDB reads every record"))
        #expect(check.output.contains("assetIndexUpdate="))
        #expect(check.output.contains("contractInfo=5"))
    }
}
