import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// A real log shipper reading the collector's files as they are written: rsyslog's imfile (inotify)
/// tailing `*.ndjson` while files rotate every 2 s and are gzip-compressed 3 s after closing.
@Suite(.serialized) struct ShipperTests {
    static let rsyslogd = "/usr/sbin/rsyslogd"
    static let hasRsyslog = FileManager.default.isExecutableFile(atPath: rsyslogd)

    /// A `contractInfo` event with `brackets` leverage brackets: long lines (rsyslog cuts lines
    /// above its 8 KiB default unless `maxMessageSize` is raised).
    static func contractInfo(eventTime: Int64, brackets: Int) -> String {
        let list = (1...brackets).map { #"{"bs":\#($0),"bnf":\#($0 * 5000),"bnc":\#($0 * 5000 + 5000),"mmr":0.0\#($0 % 10),"cf":\#($0 * 75),"mi":\#(brackets - $0 + 1),"ma":\#(brackets - $0 + 2)}"# }
        return #"{"e":"contractInfo","E":\#(eventTime),"s":"BTCUSDT","ps":"BTCUSDT","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"TRADING","bks":[\#(list.joined(separator: ","))]}"#
    }

    @Test(.enabled(if: hasRsyslog, "rsyslog is not installed (apt-get install rsyslog; .ci/run installs it)"))
    func rsyslogDeliversEveryLineExactlyOnceAcrossRotationAndCompression() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: server.collectorConfiguration(streams: ["!assetIndex@arr", "!contractInfo"]),
                                       environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "2", "STREAM_COLLECTOR_OUTPUT_COMPRESS_AFTER_SECONDS": "3"])
        let work = daemon.folder.appendingPathComponent("rsyslog").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let shipped = "\(work)/shipped.ndjson"
        let configuration = "\(work)/rsyslog.conf"
        try """
            global(workDirectory="\(work)" maxMessageSize="256k")
            module(load="imfile" mode="inotify")
            input(type="imfile" file="\(daemon.dataDirectory)/*/date=*/hour=*/*.ndjson" tag="stream-collector" addMetadata="off")
            template(name="line" type="string" string="%rawmsg%\\n")
            action(type="omfile" file="\(shipped)" template="line")
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let check = try ServiceInstallTests.run(Self.rsyslogd, ["-N1", "-f", configuration])
        #expect(check.status == 0, "rsyslogd -N1: \(check.output)")
        let rsyslog = Process()
        rsyslog.executableURL = URL(fileURLWithPath: Self.rsyslogd)
        rsyslog.arguments = ["-n", "-f", configuration, "-i", "\(work)/rsyslogd.pid"]
        rsyslog.standardOutput = FileHandle.nullDevice
        rsyslog.standardError = FileHandle.nullDevice
        try rsyslog.run()
        defer { if rsyslog.isRunning { rsyslog.terminate() } }

        _ = try await server.subscriber(to: ["!assetIndex@arr", "!contractInfo"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(20))
        for tick in 0..<12 {
            server.hub.publish(stream: "!contractInfo", payload: Self.contractInfo(eventTime: 1_795_268_300_000 + Int64(tick), brackets: 80))
            try await Task.sleep(for: .seconds(1))
        }
        try await eventually("over 500 events published, however loaded the machine", within: 40) { feed.count > 520 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")

        // Everything the collector wrote, compressed or not.
        let all = (FileManager.default.enumerator(atPath: daemon.dataDirectory)?.allObjects as? [String] ?? []).sorted()
        let compressed = all.filter { $0.hasSuffix(".ndjson.gz") }
        #expect(compressed.count >= 4, "files were compressed while rsyslog read: \(all)")
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
        try await eventually("rsyslog to deliver every line", within: 30) {
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
