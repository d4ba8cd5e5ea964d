import CollectorTestKit
import Clocks
import Foundation
import MarketDecoding
import MarketServer
import RecordStorage
import StreamVerification
import Testing

/// The real daemon with its wall clock — and only its wall clock — stepped mid-capture, as NTP or
/// chrony do after a suspend or a late first sync: +1 hour, +1 day, then 7 s back. The test
/// preloads `libWallClockShift.so` (built with the tests, never linked into the daemon), which
/// adds an offset the test writes to CLOCK_REALTIME and leaves the monotonic clock alone. The
/// daemon also runs under a systemd watchdog of the test's own: its pings must go on through
/// every step (a sleep that ended at a wall-clock instant would hold them back by the step).
@Suite(.serialized) struct ClockStepTests {
    static let shiftLibrary = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent()
        .appendingPathComponent("libWallClockShift.so").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shiftLibrary), "libWallClockShift.so is not built (swift build builds it)"))
    func wallClockStepsChangeNothingButTheDates() async throws {
        let shiftFile = FileManager.default.temporaryDirectory.appendingPathComponent("wall-shift-\(UUID().uuidString)").path
        var shiftMicros: Int64 = 0
        // Created once at its 8 bytes and then only overwritten in place: the daemon has it
        // mapped, and a clock read while a rewrite had truncated it would be a SIGBUS.
        _ = FileManager.default.createFile(atPath: shiftFile, contents: Data(count: MemoryLayout<Int64>.size))
        defer { try? FileManager.default.removeItem(atPath: shiftFile) }
        let shiftHandle = try FileHandle(forUpdating: URL(fileURLWithPath: shiftFile))
        defer { try? shiftHandle.close() }
        func write(_ micros: Int64) throws {
            try shiftHandle.seek(toOffset: 0)
            try withUnsafeBytes(of: micros) { try shiftHandle.write(contentsOf: Data($0)) }
        }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let listener = try NotifyListener(abstract: true)
        // Events flow before the daemon subscribes, so however long this test waits to be
        // scheduled, its connection is never silent for stale_after_seconds.
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(50))
        let daemon = try DaemonProcess(
            configuration: server.collectorConfiguration(streams: ["!assetIndex@arr"], extra: "stale_after_seconds: 3"),
            environment: DaemonProcess.metricsOnAnyPort.merging([
                "LD_PRELOAD": Self.shiftLibrary, "WALL_CLOCK_SHIFT_FILE": shiftFile,
                // WatchdogSec=2 s: a ping every second while every thread answers.
                "NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "2000000",
            ]) { $1 })
        let metrics = try await daemon.metricsPort()
        let connection = try await server.subscriber(to: ["!assetIndex@arr"])
        try await Task.sleep(for: .seconds(1.5))

        func loggedSteps() -> [Double] {
            daemon.log.matches(of: /the wall clock stepped (forward|back) by ([0-9.]+) s/).compactMap { match in
                Double(match.output.2).map { match.output.1 == "back" ? -$0 : $0 }
            }
        }
        for step in [Int64(3600), 86_400, -7] {
            shiftMicros += step * 1_000_000
            try write(shiftMicros)
            // Logged with its size as measured: the wall and monotonic clocks are read a moment
            // apart, so a loaded machine may log 3599.999 s.
            let before = loggedSteps().count
            try await eventually("the step noticed and logged") {
                guard daemon.isRunning else {
                    throw HarnessError("the daemon exited (signal \(daemon.terminationSignal.map(String.init) ?? "none")); log:\n\(daemon.log)")
                }
                return loggedSteps().count > before
            }
            #expect(loggedSteps().last.map { abs($0 - Double(step)) < 0.5 } == true, "logged \(loggedSteps()), stepped \(step) s")
            // Longer than stale_after_seconds: a step mistaken for silence would reconnect by now.
            let pings = listener.messages(with: "WATCHDOG=1").count
            try await Task.sleep(for: .seconds(3.5))
            #expect(server.hub.connections.map(\.connection) == [connection], "the same, single connection after stepping \(step) s")
            #expect(listener.messages(with: "WATCHDOG=1").count >= pings + 2, "watchdog pings go on after stepping \(step) s")
        }
        let scrape = try await Scrape.get(metrics, "/metrics")
        #expect(scrape.value("stream_collector_clock_steps_total") == 3)
        #expect(scrape.value("stream_collector_clock_last_step_seconds").map { abs($0 + 7) < 0.5 } == true)
        #expect(!scrape.body.contains("stream_collector_reconnects_total{"))
        #expect(!scrape.body.contains("stream_collector_renewals_total 1"))

        let (sent, result) = try await finishRun(feed, daemon)
        #expect(result.gaps.isEmpty, "no gap record: \(result)")
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")
        #expect(result.written.count == sent.filter { $0.recipients > 0 }.count, "every event once")
        #expect(!daemon.log.contains("reconnecting in") && !daemon.log.contains("opening its replacement"))

        // Files follow the stepped clock into its hour folders, and every record is in its hour.
        let audit = try DataAudit(directory: daemon.dataDirectory)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        let shifted = UTCTime(microsecondsSinceEpoch: WallClock.nowMicroseconds() + shiftMicros)
        let folders = try FileManager.default.subpathsOfDirectory(atPath: daemon.dataDirectory + "/asset-index").filter { $0.contains("hour=") }
        #expect(folders.contains { $0.hasPrefix("date=\(shifted.date)/") }, "files in the stepped day's folders: \(folders)")
        // Seven seconds back within one hour: the file's recvTime goes back once, reported by verify.
        #expect(audit.clockSteps.count <= 1)
        if let step = audit.clockSteps.first {
            #expect(abs(step.seconds + 7) < 1, "\(step)")
        }
    }

    /// A file written across a backward step: `verify` names the line where `recvTime` goes back,
    /// by how much, and still passes the data (nothing is missing or torn).
    @Test func verifyNotesABackwardStepWithItsFileAndLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clock-step-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RecordStore(configuration: StorageConfiguration(directory: directory)) { _ in }
        let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        let start = Moment(wallMicros: 1_795_268_300_000_000, monotonicNanos: 9_000_000_000_000)  // 13:38:20
        for second in 0..<20 {
            // The wall clock steps 7 s back after the tenth second; the exchange's clock does not.
            let now = start.advanced(byNanoseconds: Int64(second) * 1_000_000_000)
            let received = Moment(wallMicros: now.wallMicros - (second >= 10 ? 7_000_000 : 0), monotonicNanos: now.monotonicNanos)
            let text = #"{"stream":"btcusd@assetIndex","data":{"e":"assetIndexUpdate","E":\#(1_795_268_300_000 + Int64(second) * 1000),"s":"BTCUSD","i":"1.0"}}"#
            store.append(decoder.decode(InboundFrame(payload: Array(text.utf8), isBinary: false, receivedAtMicros: received.wallMicros, source: "test")).records,
                         now: received)
        }
        store.close()
        let audit = try DataAudit(directory: directory)
        #expect(audit.isClean, "\(audit.problems) \(audit.missing)")
        let step = try #require(audit.clockSteps.first)
        #expect(audit.clockSteps.count == 1)
        #expect(step.line == 12, "the header, ten lines, then the first line after the step")
        #expect(abs(step.seconds + 6) < 0.001, "one second later on the monotonic clock, 7 s back on the wall: 6 s back")
        #expect(step.file.hasPrefix("asset-index/date=2026-11-21/hour=13/"))
    }
}
