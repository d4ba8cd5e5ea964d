import Foundation
import MarketServer
import Testing

/// `stream-collector replay` and `verify` on files the real collector wrote.
@Suite struct ReplayTests {
    static let streams = ["!assetIndex@arr", "btcusd@assetIndex", "!contractInfo"]
    static let symbols = ["BTCUSD", "ETHUSD", "ADAUSD"]

    /// A server publishing an `!assetIndex@arr` frame of three symbols, `btcusd@assetIndex` and now
    /// and then a `contractInfo` every 100 ms, with event times 100 ms apart.
    final class Publisher: @unchecked Sendable {
        let server: TestServer
        private var task: Task<Void, Never>?
        private(set) var published = 0

        init(_ server: TestServer) { self.server = server }

        func start() {
            let hub = server.hub
            task = Task {
                var tick = 0
                let base = Int64(Date().timeIntervalSince1970 * 1000)
                while !Task.isCancelled {
                    let eventTime = base + Int64(tick) * 100
                    let events = ReplayTests.symbols.map { Wire.assetIndex($0, eventTime: eventTime, tick: tick) }
                    hub.publish(stream: "!assetIndex@arr", payload: "[" + events.joined(separator: ",") + "]")
                    hub.publish(stream: "btcusd@assetIndex", payload: events[0])
                    if tick % 10 == 3 {
                        hub.publish(stream: "!contractInfo", payload: Wire.contractInfoMinimal.replacingOccurrences(of: "1769356423908", with: String(eventTime)))
                    }
                    tick += 1
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }

        func stop() { task?.cancel() }
    }

    /// Event lines (not headers, not gaps) of every family below `directory`, without recvTime.
    static func eventLines(_ directory: String) throws -> [String] {
        let files = DataFiles(directory: directory)
        return try ["asset-index", "contract-info"].flatMap { try files.lines($0) }
            .filter { !$0.contains(#""type":"collector."#) }
            .map(Wire.withoutReceiveTime)
    }

    @Test func twoOverlappingRedundantRecordingsReplayEachEventOnceInOrder() async throws {
        let server = try await TestServer.start()
        let publisher = Publisher(server)
        publisher.start()
        let first = try DaemonProcess(configuration: server.collectorConfiguration(streams: Self.streams))
        try await Task.sleep(for: .seconds(2))
        let second = try DaemonProcess(configuration: server.collectorConfiguration(streams: Self.streams),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "1"])
        try await Task.sleep(for: .seconds(3))
        _ = try await second.terminate()
        try await Task.sleep(for: .seconds(1.5))
        _ = try await first.terminate()
        publisher.stop()
        await server.stop()

        // Compress one of the second collector's closed files, as the collector does after a while.
        let compressed = try #require(DataFiles(directory: second.dataDirectory).paths("asset-index").first)
        #expect(try CommandRun.run("/bin/gzip", [compressed]).status == 0)

        let before = (treeSnapshot(first.dataDirectory), treeSnapshot(second.dataDirectory))
        let replay = try CommandRun.collector(["replay", "--data-dir", first.dataDirectory, "--data-dir", second.dataDirectory])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.isEmpty, "\(replay.stderr)")
        #expect(treeSnapshot(first.dataDirectory) == before.0 && treeSnapshot(second.dataDirectory) == before.1, "replay wrote into a data directory")

        let lines = replay.stdoutLines
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let times = objects.compactMap { $0["recvTime"] as? String }
        #expect(times.count == objects.count)
        #expect(times == times.sorted(), "records are not in recvTime order")
        #expect(!objects.contains { ($0["type"] as? String) == "collector.file" }, "headers are skipped by default")

        // Each event once: the union of both recordings, the overlap not doubled.
        let replayed = lines.filter { !$0.contains(#""type":"collector."#) }.map(Wire.withoutReceiveTime)
        let union = Set(try Self.eventLines(first.dataDirectory) + Self.eventLines(second.dataDirectory, includingCompressed: true))
        #expect(replayed.count == Set(replayed).count, "an event appears twice")
        #expect(Set(replayed) == union)
        let secondOnly = try Self.eventLines(second.dataDirectory, includingCompressed: true)
        let firstOnly = Set(try Self.eventLines(first.dataDirectory))
        #expect(secondOnly.count > 50 && Set(secondOnly).isSubset(of: firstOnly),
                "the recordings overlap: the second one's events are all in the first")

        // Filters: one symbol, one type, a time window.
        let btc = try CommandRun.collector(["replay", "--data-dir", first.dataDirectory, "--data-dir", second.dataDirectory, "--symbol", "btcusd"])
        let btcEvents = btc.stdoutLines.filter { !$0.contains(#""type":"collector."#) }
        #expect(!btcEvents.isEmpty && btcEvents.allSatisfy { $0.contains(#""symbol":"BTCUSD""#) })
        #expect(btcEvents.count == replayed.filter { $0.contains(#""symbol":"BTCUSD""#) }.count)
        let contract = try CommandRun.collector(["replay", "--data-dir", first.dataDirectory, "--type", "contractInfo", "--stream", "!contractInfo"])
        #expect(!contract.stdoutLines.isEmpty && contract.stdoutLines.allSatisfy { $0.contains(#""type":"contractInfo""#) || $0.contains(#""type":"collector.gap""#) })
        let middle = times[times.count / 2]
        let late = try CommandRun.collector(["replay", "--data-dir", first.dataDirectory, "--data-dir", second.dataDirectory, "--from", middle])
        #expect(late.stdoutLines.count == lines.count - times.firstIndex(of: middle)!)
        let headers = try CommandRun.collector(["replay", "--data-dir", first.dataDirectory, "--headers"])
        #expect(headers.stdoutLines.filter { $0.contains(#""type":"collector.file""#) }.count == DataFiles(directory: first.dataDirectory).paths("asset-index").count + DataFiles(directory: first.dataDirectory).paths("contract-info").count)
    }

    static func eventLines(_ directory: String, includingCompressed: Bool) throws -> [String] {
        let all = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".ndjson.gz") }
        var lines = try eventLines(directory)
        for relative in all {
            let unzipped = try CommandRun.run("/bin/gzip", ["-dc", "\(directory)/\(relative)"])
            lines += unzipped.stdoutLines.dropFirst().filter { !$0.contains(#""type":"collector."#) }.map(Wire.withoutReceiveTime)
        }
        return lines
    }

    @Test func theServedReplayBackfillsASecondCollectorWithTheSameEvents() async throws {
        let server = try await TestServer.start()
        let publisher = Publisher(server)
        publisher.start()
        let original = try DaemonProcess(configuration: server.collectorConfiguration(streams: Self.streams))
        try await Task.sleep(for: .seconds(4))
        _ = try await original.terminate()
        publisher.stop()
        await server.stop()

        let serving = Process()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        serving.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        serving.arguments = ["replay", "--data-dir", original.dataDirectory, "--serve", "127.0.0.1:0", "--speed", "max"]
        serving.standardError = try FileHandle(forWritingTo: log)
        try serving.run()
        defer { if serving.isRunning { serving.terminate() } }
        var port = 0
        try await eventually("the replay server to listen") {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            guard let range = text.range(of: #"ws://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(text[range].split(separator: ":").last!)!
            return true
        }
        let backfilled = try DaemonProcess(configuration: """
            endpoint: ws://127.0.0.1:\(port)/market
            streams: [\(Self.streams.map { "\"\($0)\"" }.joined(separator: ", "))]
            subscribe_interval_ms: 20
            """)
        try await eventually("the replay to finish", within: 30) { !serving.isRunning }
        #expect(serving.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        try await Task.sleep(for: .seconds(0.5))
        _ = try await backfilled.terminate()

        let expected = try Self.eventLines(original.dataDirectory)
        let got = try Self.eventLines(backfilled.dataDirectory)
        #expect(expected.count > 100)
        #expect(got.sorted() == expected.sorted(), "the backfilled collector's events differ from the original's")
        let serveLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(serveLog.contains("replay finished"))
    }
}
