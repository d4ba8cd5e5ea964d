import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// Real log shippers reading the collector's files as they are written, each run from the
/// configuration in `config/shippers/` with only its paths changed: rsyslog's imfile (inotify) and
/// syslog-ng's wildcard-file() tailing `*.ndjson` while files rotate every 2 s and are
/// gzip-compressed 3 s after closing, with lines above 8 KiB. Every event line must arrive once.
@Suite(.serialized) struct ShipperTests {
    /// A `contractInfo` event with `brackets` leverage brackets: long lines (rsyslog cuts lines
    /// above its 8 KiB default unless `maxMessageSize` is raised).
    static func contractInfo(eventTime: Int64, brackets: Int) -> String {
        let list = (1...brackets).map { #"{"bs":\#($0),"bnf":\#($0 * 5000),"bnc":\#($0 * 5000 + 5000),"mmr":0.0\#($0 % 10),"cf":\#($0 * 75),"mi":\#(brackets - $0 + 1),"ma":\#(brackets - $0 + 2)}"# }
        return #"{"e":"contractInfo","E":\#(eventTime),"s":"BTCUSDT","ps":"BTCUSDT","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"TRADING","bks":[\#(list.joined(separator: ","))]}"#
    }

    @Test(.enabled(if: ExternalTool.rsyslog.runsTests, ExternalTool.rsyslog.skipReason))
    func rsyslogDeliversEveryLineExactlyOnceAcrossRotationAndCompression() async throws {
        guard ExternalTool.rsyslog.require() else { return }
        try await shipperDeliversEveryLineOnce(configuration: "rsyslog.conf") { configuration, work in
            let check = try ServiceInstallTests.run(ExternalTool.rsyslog.path, ["-N1", "-f", configuration])
            #expect(check.status == 0, "rsyslogd -N1: \(check.output)")
            return try Self.start(ExternalTool.rsyslog.path, ["-n", "-f", configuration, "-i", "\(work)/rsyslogd.pid"])
        }
    }

    @Test(.enabled(if: ExternalTool.syslogNG.runsTests, ExternalTool.syslogNG.skipReason))
    func syslogNGDeliversEveryLineExactlyOnceAcrossRotationAndCompression() async throws {
        guard ExternalTool.syslogNG.require() else { return }
        // Unpacked from syslog-ng-core (it conflicts with rsyslog): its modules and libraries beside it.
        let root = URL(fileURLWithPath: ExternalTool.syslogNG.path).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try await shipperDeliversEveryLineOnce(configuration: "syslog-ng.conf") { configuration, work in
            let arguments = ["-f", configuration, "--module-path=\(root)/usr/lib/syslog-ng/3.38", "--persist-file=\(work)/syslog-ng.persist",
                             "--pidfile=\(work)/syslog-ng.pid", "--control=\(work)/syslog-ng.ctl"]
            let environment = ["LD_LIBRARY_PATH": "\(root)/usr/lib/syslog-ng"]
            let check = try Self.start(ExternalTool.syslogNG.path, arguments + ["--syntax-only"], environment: environment, output: true)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "syslog-ng --syntax-only failed")
            return try Self.start(ExternalTool.syslogNG.path, arguments + ["-F"], environment: environment)
        }
    }

    /// SIGTERM, then SIGKILL after 3 s: a shipper spawned from a Dispatch thread inherits its
    /// blocked signals, and syslog-ng, which never unblocks SIGTERM, would outlive the test.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func start(_ program: String, _ arguments: [String], environment: [String: String] = [:], output: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !output {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Runs the collector with fast rotation and compression and the shipper started by `start`
    /// (given its configuration file and a work folder) on `config/shippers/<configuration>`, whose
    /// `/var/lib/stream-collector` becomes the collector's output, and `/var/log/stream-collector`
    /// and `/var/spool/rsyslog` the work folder; then compares what it shipped with every event line.
    func shipperDeliversEveryLineOnce(configuration name: String,
                                      start: (_ configuration: String, _ work: String) throws -> Process) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: server.collectorConfiguration(streams: ["!assetIndex@arr", "!contractInfo"]),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "2", "STREAM_COLLECTOR_OUTPUT_COMPRESS_AFTER_SECONDS": "3"])
        let work = daemon.folder.appendingPathComponent("shipper").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let shipped = "\(work)/shipped.ndjson"
        let configuration = "\(work)/\(name)"
        let original = try String(contentsOf: ServiceInstallTests.repository.appendingPathComponent("config/shippers/\(name)"), encoding: .utf8)
        #expect(original.contains("/var/lib/stream-collector/") && original.contains("/var/log/stream-collector/shipped.ndjson"))
        try original.replacingOccurrences(of: "/var/lib/stream-collector", with: daemon.dataDirectory)
            .replacingOccurrences(of: "/var/log/stream-collector", with: work)
            .replacingOccurrences(of: "/var/spool/rsyslog", with: work)
            .write(toFile: configuration, atomically: true, encoding: .utf8)
        // The families' folders exist before the shipper looks for them, as they do on a running host.
        for family in ["asset-index", "contract-info"] {
            try FileManager.default.createDirectory(atPath: "\(daemon.dataDirectory)/\(family)", withIntermediateDirectories: true)
        }
        let shipper = try start(configuration, work)
        defer { Self.stop(shipper) }

        _ = try await server.subscriber(to: ["!assetIndex@arr", "!contractInfo"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(20))
        for tick in 0..<12 {
            server.hub.publish(stream: "!contractInfo", payload: Self.contractInfo(eventTime: 1_795_268_300_000 + Int64(tick), brackets: 80))
            try await Task.sleep(for: .seconds(1))
        }
        try await eventually("over 500 events published, however loaded the machine", within: 40) { feed.count > 520 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")
        #expect(shipper.isRunning, "the shipper is still running")

        // Every line the collector wrote, compressed or not.
        let all = (FileManager.default.enumerator(atPath: daemon.dataDirectory)?.allObjects as? [String] ?? []).sorted()
        let compressed = all.filter { $0.hasSuffix(".ndjson.gz") }
        #expect(compressed.count >= 4, "files were compressed while the shipper read: \(all)")
        var expected: [String: Int] = [:]
        for name in all where name.hasSuffix(".ndjson") || name.hasSuffix(".ndjson.gz") {
            let path = "\(daemon.dataDirectory)/\(name)"
            let text = name.hasSuffix(".gz") ? try ServiceInstallTests.run("/bin/gzip", ["-dc", path]).output
                                             : try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") { expected[String(line), default: 0] += 1 }
        }
        let longest = expected.keys.map(\.utf8.count).max() ?? 0
        #expect(longest > 8192, "some lines are longer than rsyslog's default limit (\(longest) bytes)")

        var delivered: [String: Int] = [:]
        try await eventually("the shipper to deliver every line", within: 30) {
            delivered = [:]
            let text = (try? String(contentsOfFile: shipped, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") { delivered[String(line), default: 0] += 1 }
            return delivered.values.reduce(0, +) >= expected.values.reduce(0, +)
        }
        try await Task.sleep(for: .seconds(1))
        let missing = expected.filter { delivered[$0.key, default: 0] < $0.value }.count
        let duplicated = delivered.filter { $0.value > expected[$0.key, default: 0] }.count
        #expect(missing == 0 && duplicated == 0, "lines missing: \(missing), delivered too often or not written: \(duplicated)")
        #expect(expected.values.reduce(0, +) > 500)
    }
}
