import Foundation
import MarketServer
import Testing

/// `stream-collector replay` and `verify` on files the real collector wrote.
@Suite struct ReplayAndVerifyTests {
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
                    let events = ReplayAndVerifyTests.symbols.map { Wire.assetIndex($0, eventTime: eventTime, tick: tick) }
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
        // Enough to compare, however slowly a loaded machine publishes.
        try await eventually("over 100 events recorded", within: 40) { ((try? Self.eventLines(original.dataDirectory))?.count ?? 0) > 100 }
        _ = try await original.terminate()
        publisher.stop()
        await server.stop()

        let serving = Process()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        serving.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        serving.arguments = ["replay", "--data-dir", original.dataDirectory, "--serve", "127.0.0.1:0", "--speed", "max", "--exit-when-done"]
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

/// `verify` and replay's handling of damaged and wrong input, on a recording written by the real
/// decoder and store (`stream-collector-bench generate`: 40 symbols ticking every second).
@Suite struct DamagedRecordingTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString)").path

    /// 3 hours of 5 symbols: three hourly asset-index files.
    func generate(_ name: String) throws -> String {
        let directory = "\(folder)/\(name)"
        let run = try CommandRun.bench(["generate", "--directory", directory, "--seconds", "10800", "--symbols", "5"])
        #expect(run.status == 0, "\(run.stderr)")
        return directory
    }

    func files(_ directory: String) -> [String] { DataFiles(directory: directory).paths("asset-index") }

    func verify(_ directory: String) throws -> (status: Int32, report: [String: Any]) {
        let run = try CommandRun.collector(["verify", "--data-dir", directory, "--json"])
        let report = try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\(run.stderr)")
        return (run.status, report)
    }

    @Test func verifyPassesCleanDataAndFindsATornLineAGapAndACorruptGzip() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clean = try generate("clean")
        let before = treeSnapshot(clean)
        let good = try verify(clean)
        #expect(good.status == 0 && good.report["ok"] as? Bool == true, "\(good.report)")
        #expect(good.report["files"] as? Int == 3 && good.report["symbols"] as? Int == 5)
        #expect(treeSnapshot(clean) == before, "verify wrote into the data directory")
        // The generator receives every event 1.5 ms after its time, each symbol's own stream 0.1 ms
        // and 0.2 ms later still.
        let lag = try #require(good.report["lag"] as? [String: [String: Any]], "\(good.report)")
        #expect(Set(lag.keys) == ["!assetIndex@arr", "btcusd@assetIndex", "ethusd@assetIndex"])
        let combined = try #require(lag["!assetIndex@arr"])
        #expect(combined["events"] as? Int == 10800 * 5 && combined["p50Ms"] as? Int == 1 && combined["p99Ms"] as? Int == 1)
        #expect(combined["minMs"] as? Double == 1.5 && combined["maxMs"] as? Double == 1.5)
        #expect(lag["btcusd@assetIndex"]?["events"] as? Int == 10800 && lag["ethusd@assetIndex"]?["maxMs"] as? Double == 1.7)
        let cleanText = try CommandRun.collector(["verify", "--data-dir", clean])
        #expect(cleanText.stdout.contains("  !assetIndex@arr: 54000 events, p50 1, p90 1, p99 1, min 1.500, max 1.500\n"), "\(cleanText.stdout)")

        let damaged = try generate("damaged")
        let paths = files(damaged)
        // A torn line in the middle of the first file, BTCUSD's events of 10 seconds removed from
        // the second, the third compressed and cut short.
        var first = try String(contentsOfFile: paths[0], encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        first[100] = String(first[100].prefix(60))
        try first.joined(separator: "\n").write(toFile: paths[0], atomically: true, encoding: .utf8)
        let hourStart = try #require(UTCTimeText.seconds("2026-11-01T01:00:00Z"))
        let missing = (hourStart + 600)...(hourStart + 609)
        let second = try String(contentsOfFile: paths[1], encoding: .utf8).split(separator: "\n").filter { line in
            !(line.contains(#""symbol":"BTCUSD""#) && missing.contains { line.contains(#""eventTime":\#($0)000,"#) })
        }
        try (second.joined(separator: "\n") + "\n").write(toFile: paths[1], atomically: true, encoding: .utf8)
        #expect(try CommandRun.run("/bin/gzip", [paths[2]]).status == 0)
        let gz = try Data(contentsOf: URL(fileURLWithPath: paths[2] + ".gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: paths[2] + ".gz"))

        let bad = try verify(damaged)
        #expect(bad.status == 1)
        #expect(bad.report["ok"] as? Bool == false)
        let problems = try #require(bad.report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["kind"] as? String == "invalid-json" && $0["line"] as? Int == 101 && ($0["file"] as? String).map(paths[0].hasSuffix) == true })
        #expect(problems.contains { $0["kind"] as? String == "corrupt-gzip" && ($0["file"] as? String)?.hasSuffix(".ndjson.gz") == true })
        let holes = try #require(bad.report["missing"] as? [[String: Any]])
        #expect(holes.contains { $0["symbol"] as? String == "BTCUSD" && $0["from"] as? String == "2026-11-01T01:10:00Z"
                && $0["to"] as? String == "2026-11-01T01:10:09Z" && $0["seconds"] as? Int == 10 && $0["insideGap"] as? Bool == false }, "\(holes)")
        let text = try CommandRun.collector(["verify", "--data-dir", damaged])
        #expect(text.status == 1 && text.stdout.contains("BTCUSD 2026-11-01T01:10:00Z to 2026-11-01T01:10:09Z (10 s"), "\(text.stdout)")
    }

    @Test func replaySkipsAndReportsBadLinesAndFailsClearlyOnBadInput() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let directory = try generate("replay")
        let paths = files(directory)
        let complete = try CommandRun.collector(["replay", "--data-dir", directory])
        #expect(complete.status == 0 && complete.stdoutLines.count == 10800 * 7)

        // A line that is not JSON in the middle, and a fragment at the end of the last file.
        var first = try String(contentsOfFile: paths[0], encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        first[50] = "garbage"
        try first.joined(separator: "\n").write(toFile: paths[0], atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[2]))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"type":"assetIndexUpdate","str"#.utf8))
        try handle.close()
        let before = treeSnapshot(directory)
        let skipped = try CommandRun.collector(["replay", "--data-dir", directory])
        #expect(skipped.status == 0)
        #expect(skipped.stdoutLines.count == 10800 * 7 - 1)
        #expect(skipped.stderr.contains("\(paths[0]):51: skipped"), "\(skipped.stderr)")
        #expect(skipped.stderr.contains("\(paths[2]):\(3600 * 7 + 2): skipped an unterminated final fragment"), "\(skipped.stderr)")
        #expect(treeSnapshot(directory) == before, "replay wrote into the data directory")

        // A corrupt gzip: the rest is replayed, the exit code says the output is incomplete.
        #expect(try CommandRun.run("/bin/gzip", [paths[1]]).status == 0)
        let gz = try Data(contentsOf: URL(fileURLWithPath: paths[1] + ".gz"))
        try gz.prefix(gz.count / 3).write(to: URL(fileURLWithPath: paths[1] + ".gz"))
        let corrupt = try CommandRun.collector(["replay", "--data-dir", directory, "--symbol", "ETHUSD"])
        #expect(corrupt.status == 65, "\(corrupt.stderr)")
        #expect(corrupt.stderr.contains("corrupt or truncated gzip"))
        #expect(corrupt.stdoutLines.count > 2 * 7200 && corrupt.stdoutLines.count < 2 * 10800, "ETHUSD ticks on two streams")

        // A data file that cannot be read (a folder where a file should be): exit 74.
        let hour = URL(fileURLWithPath: paths[0]).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: "\(hour)/asset-index-20261101T003000.000000Z-00000000.ndjson", withIntermediateDirectories: false)
        let unreadable = try CommandRun.collector(["replay", "--data-dir", directory, "--symbol", "ETHUSD"])
        #expect(unreadable.status == 74, "\(unreadable.stderr)")

        let missing = try CommandRun.collector(["replay", "--data-dir", "\(folder)/nowhere"])
        #expect(missing.status == 66 && missing.stderr.contains("nowhere") && missing.stdout.isEmpty)
        let backwards = try CommandRun.collector(["replay", "--data-dir", directory, "--from", "2026-11-01T02:00:00Z", "--to", "2026-11-01T01:00:00Z"])
        #expect(backwards.status == 64 && backwards.stderr.contains("--from"))
        let notATime = try CommandRun.collector(["replay", "--data-dir", directory, "--from", "yesterday"])
        #expect(notATime.status == 64 && notATime.stderr.contains("ISO-8601"))
        let noDirectory = try CommandRun.collector(["verify", "--data-dir", "\(folder)/nowhere"])
        #expect(noDirectory.status == 66)
    }
}

/// Seconds since the epoch of an ISO-8601 UTC time, through Foundation (independent of the code under test).
enum UTCTimeText {
    static func seconds(_ text: String) -> Int64? {
        (ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970).map { Int64($0) }
    }
}
