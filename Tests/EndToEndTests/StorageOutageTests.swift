import CollectorTestKit
import Foundation
import MarketServer
import StreamVerification
import Testing

/// The output folder vanishes while events keep coming: within `output.buffer_bytes` nothing is
/// lost; beyond it the oldest are dropped and a `buffer-overflow` gap marks them.
@Suite(.serialized) struct StorageOutageTests {
    /// Replaces the data folder with a plain file for `seconds` (new files cannot be created;
    /// rotation every second makes the collector need one), then puts it back.
    func takeAwayTheFolder(of daemon: DaemonProcess, for seconds: Double) async throws {
        let data = daemon.dataDirectory, away = daemon.dataDirectory + ".away"
        try FileManager.default.moveItem(atPath: data, toPath: away)
        _ = FileManager.default.createFile(atPath: data, contents: Data("not a folder".utf8))
        try await eventually("the failure to be noticed") { daemon.log.contains("writing stopped") }
        // The operator sees it: unhealthy, write errors counted, records held in memory.
        let port = try await daemon.metricsPort()
        let health = try await Scrape.get(port, "/healthz")
        #expect(health.status == 503 && health.body.contains("the disk refuses writes"), "\(health.body)")
        let metrics = try await Scrape.get(port, "/metrics")
        #expect(metrics.value("stream_collector_writer_failing") == 1)
        #expect((metrics.value("stream_collector_write_errors_total") ?? 0) >= 1)
        try await Task.sleep(for: .seconds(seconds))
        try FileManager.default.removeItem(atPath: data)
        try FileManager.default.moveItem(atPath: away, toPath: data)
        try await eventually("writing to resume") { daemon.log.contains("writing resumed") }
    }

    func run(bufferBytes: Int, interval: Duration, outageSeconds: Double) async throws -> (Completeness, DaemonProcess) {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: FaultInjectionTests.configuration(port: server.port),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "1",
                                                     "STREAM_COLLECTOR_OUTPUT_BUFFER_BYTES": String(bufferBytes)]
                                           .merging(DaemonProcess.metricsOnAnyPort) { $1 })
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub, interval: interval)
        try await eventually("the feed to reach the daemon") { feed.count > 20 }
        try await takeAwayTheFolder(of: daemon, for: outageSeconds)
        let count = feed.count
        try await eventually("more events") { feed.count > count + 20 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(daemon.log.components(separatedBy: "writing stopped").count - 1 == 1, "logged once per episode")
        return (result, daemon)
    }

    @Test func withinTheBufferNothingIsLost() async throws {
        let (result, _) = try await run(bufferBytes: 16 << 20, interval: .milliseconds(50), outageSeconds: 2)
        #expect(result.gaps.isEmpty, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.undelivered == 0)
    }

    @Test func beyondTheBufferTheOldestAreDroppedAndMarked() async throws {
        // ~420-byte lines every 5 ms overflow a 64 KiB buffer in well under a second.
        let (result, daemon) = try await run(bufferBytes: 65_536, interval: .milliseconds(5), outageSeconds: 3)
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "every dropped event lies inside the gap record: \(result)")
        #expect(result.gaps.contains { $0.reason == "buffer-overflow" }, "\(result)")
        #expect(daemon.log.contains("dropping the oldest records"))
    }

    /// A real ENOSPC: a 256 KiB tmpfs as the output folder fills up mid-stream, then grows.
    @Test(.enabled(if: TemporaryFilesystem.canMount, "needs root to mount a tmpfs; skipped"))
    func aFullDiskLosesNothingWithinTheBufferAndTearsNoLine() async throws {
        let disk = try TemporaryFilesystem(kibibytes: 256)
        defer { disk.unmount() }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        // Rotation every second makes the collector create files while the disk is full too.
        let daemon = try DaemonProcess(configuration: FaultInjectionTests.configuration(port: server.port),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "1"], dataDirectory: disk.path)
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(5))
        try await eventually("the disk to fill up", within: 30) { daemon.log.contains("No space left on device") }
        try await Task.sleep(for: .seconds(2))
        try disk.resize(kibibytes: 64 << 10)
        try await eventually("writing to resume") { daemon.log.contains("writing resumed") }
        let count = feed.count
        try await eventually("more events") { feed.count > count + 50 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.gaps.isEmpty, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.tornFiles == 0 && result.unreadableLines == 0, "space is reserved before each write: \(result)")
        // Every file is whole and begins with its header: none was left empty or headless.
        _ = try DataFiles(directory: disk.path).lines("asset-index")
    }
}
