import CollectorTestKit
import Foundation
import MarketServer
import NIOCore
import Synchronization
import StreamVerification
import Testing

/// Faults injected by a swift-nio server while a feed ticks every 100 ms. Each test reads the
/// files afterwards: every event written once, and every event not written inside a
/// `collector.gap` record.
@Suite(.serialized) struct FaultInjectionTests {
    static let streams = ["!assetIndex@arr", "!contractInfo"]

    static func configuration(port: Int, extra: String = "") -> String {
        """
        endpoint: ws://127.0.0.1:\(port)/market
        streams: ["!assetIndex@arr", "!contractInfo"]
        subscribe_interval_ms: 20
        stale_after_seconds: 2
        connect_timeout_seconds: 2
        reconnect:
          initial_delay_ms: 100
          max_delay_ms: 400
        log_level: debug
        \(extra)
        """
    }

    /// Runs the daemon against `server` with a ticking feed, applies `fault` once the first
    /// connection is subscribed, waits for a new connection (when `reconnects`) and `settleEvents`
    /// more events, then stops everything and reads the files.
    static func run(_ server: TestServer, extra: String = "", reconnects: Bool = true, settleEvents: Int = 15,
                    fault: (ServerConnection) async throws -> Void) async throws -> (Completeness, [SequencedFeed.Sent], DaemonProcess) {
        let daemon = try DaemonProcess(configuration: configuration(port: server.port, extra: extra))
        let first = try await server.subscriber(to: streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the feed to reach the daemon") { feed.count > 10 }
        try await fault(first)
        if reconnects { _ = try await server.subscriber(to: streams, otherThan: first, within: 30) }
        let resumed = feed.count
        try await eventually("events after the fault", within: 30) { feed.count >= resumed + settleEvents }
        let (sent, result) = try await finishRun(feed, daemon)
        return (result, sent, daemon)
    }

    @Test(arguments: ["abort", "close-1000", "close-1001", "close-1008", "close-1011", "silence"])
    func aLostConnectionIsReopenedAndItsOutageMarked(fault: String) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let (result, sent, daemon) = try await Self.run(server) { connection in
            switch fault {
            case "abort": connection.abort()
            case "silence": server.hub.silence(connection)
            default: connection.close(code: UInt16(fault.dropFirst("close-".count))!, reason: "fault \(fault)")
            }
        }
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)\n\(daemon.log)")
        #expect(!result.gaps.isEmpty && result.gaps.allSatisfy { $0.reason == "connection-lost" }, "\(result)")
        #expect(result.written.count >= sent.count - result.undelivered - 3, "\(result)")
        if fault == "silence" {
            #expect(daemon.log.contains("no data for 2 s"))
        }
    }

    /// The shard checks liveness once a second; a connection that went live and died between
    /// two checks covered its events all the same, so its outage is marked like any other.
    @Test func aConnectionLostRightAfterItsFirstEventStillLeavesAGap() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port))
        let first = try await server.subscriber(to: Self.streams)
        let early = Int64(Date().timeIntervalSince1970 * 1000)
        first.send(text: #"{"stream":"!assetIndex@arr","data":[\#(Wire.assetIndex(SequencedFeed.symbol, eventTime: early, tick: 1))]}"#)
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("the first event on disk") {
            (try? files.lines("asset-index", skippingTornTails: true).contains { $0.contains(#""eventTime":\#(early)"#) }) == true
        }
        first.abort()
        _ = try await server.subscriber(to: Self.streams, otherThan: first)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the feed to reach the daemon") { feed.count > 5 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.written[early] == 1, "\(result)")
        #expect(result.gaps.count == 1, "the outage after the first connection is marked: \(result)\n\(daemon.log)")
        #expect(result.gaps.allSatisfy { $0.reason == "connection-lost" && $0.fromMs >= early }, "\(result)")
        #expect(result.duplicated.isEmpty && result.lostUnmarked.isEmpty, "\(result)")
    }

    @Test func refusedStalledAndRejectedAttemptsAreRetriedAndTheOutageMarked() async throws {
        let script = Mutex<[Admission]>([])
        let server = try await TestServer.start(admit: {
            script.withLock { $0.isEmpty ? .accept : $0.removeFirst() }
        })
        defer { Task { await server.stop() } }
        let (result, _, daemon) = try await Self.run(server) { connection in
            script.withLock {
                $0 = [.refuse, .stall, .reject(status: 429, retryAfterSeconds: 1), .reject(status: 503, retryAfterSeconds: nil), .refuse]
            }
            connection.abort()
        }
        #expect(script.withLock { $0.isEmpty })
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)\n\(daemon.log)")
        #expect(result.gaps.count == 1, "one outage, one gap record: \(result)")
        if let gap = result.gaps.first {
            #expect(gap.toMs - gap.fromMs >= 5000, "five failed attempts at least 1 s apart: \(gap)")
        }
        #expect(daemon.log.components(separatedBy: "failed to connect").count - 1 >= 5)
        #expect(daemon.log.contains("429"), "\(daemon.log)")
    }

    @Test func renewalBeforeTheAgeLimitLeavesNeitherGapNorDuplicate() async throws {
        // The 24-hour cut compressed: the server ends every connection after 6 s; the
        // collector renews after 3 s, so no connection ever reaches the cut.
        let server = try await TestServer.start(lifetime: .seconds(6))
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, extra: "renew_after_seconds: 3"))
        _ = try await server.subscriber(to: Self.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("three renewals", within: 40) {
            daemon.log.components(separatedBy: "replacement is live").count - 1 >= 3
        }
        try await Task.sleep(for: .milliseconds(500))
        let (sent, result) = try await finishRun(feed, daemon)
        #expect(result.gaps.isEmpty, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(sent.allSatisfy { $0.recipients > 0 }, "a connection was always up")
        #expect(sent.contains { $0.recipients == 2 }, "the connections overlapped")
        #expect(result.written.count == sent.count, "\(result)")
        #expect(!daemon.log.contains("connection lifetime reached"), "no connection reached the server's cut")
    }

    @Test func hostileFramesMidStreamLoseNothingAndKeepTheConnection() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let fiveMegabytes = #"{"stream":"!contractInfo","data":{"e":"contractInfo","E":1,"s":"X","pad":""# + String(repeating: "x", count: 5 << 20) + #""}}"#
        let fragmented = "[" + Wire.assetIndex("FRAGUSD", eventTime: 1_795_268_300_000, tick: 7) + "]"
        let (result, sent, daemon) = try await Self.run(server, reconnects: false) { connection in
            connection.send(text: fiveMegabytes)
            connection.send(text: "{not json")
            connection.send(frame: .binary, payload: [1, 2, 3])
            connection.send(frame: .text, payload: [0x22, 0xFF, 0x22])
            connection.sendFragmented(text: Array(#"{"stream":"!assetIndex@arr","data":\#(fragmented)}"#.utf8), pieces: 300)
            connection.send(text: #"{"error":{"code":2,"msg":"Invalid request: unsolicited"},"id":999}"#)
            // Wire values that would be unsafe in a path: they stay values inside records.
            connection.send(text: #"{"stream":"../../../escaped\u0000","data":{"e":"../../x","E":5,"s":"/etc/passwd"}}"#)
            connection.send(text: #"{"stream":"..\/..\/escaped","data":[{"e":"assetIndexUpdate","E":6,"s":"../../ESCAPED","i":"1"}]}"#)
        }
        #expect(result.gaps.isEmpty, "the connection was never dropped: \(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.written.count == sent.count, "\(result)")
        let files = DataFiles(directory: daemon.dataDirectory)
        let rejected = try files.objects("rejected")
        #expect(rejected.map { $0["reason"] as? String } == ["oversized", "invalid-json", "binary", "invalid-utf8"])
        #expect((rejected.first?["payload"] as? String)?.utf8.count == fiveMegabytes.utf8.count)
        #expect(try files.lines("asset-index").contains { $0.contains(#""symbol":"FRAGUSD""#) })
        #expect(daemon.log.contains("reply that matches no request"))
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: daemon.folder.path))
        #expect(written == ["config.yaml", "data", "stderr.log"], "nothing outside the data directory")
        #expect(files.allFiles.allSatisfy { path in
            ["asset-index/", "contract-info/", "other-events/", "rejected/"].contains { path.hasPrefix($0) } && !path.contains("..")
        }, "\(files.allFiles)")
        #expect(try files.lines("other-events").contains { $0.contains(#""stream":"../../../escaped\u0000""#) })
        #expect(try files.lines("asset-index").contains { $0.contains(#""symbol":"../../ESCAPED""#) })
    }

    @Test func anAcknowledgedButSilentSubscriptionIsCalledOutAndRetried() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        // Without the /market route the server acknowledges every SUBSCRIBE but sends nothing.
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port)
            .replacingOccurrences(of: "/market\n", with: "\n"))
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the silence called out") {
            daemon.log.contains("all subscriptions were acknowledged but no data arrived in 2 s")
        }
        try await eventually("a second attempt") { daemon.log.components(separatedBy: "connected to ws://").count - 1 >= 2 }
        _ = feed.stop()
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(daemon.log.contains("is the endpoint missing its route (e.g. /market)?"))
    }

    @Test func aSilentConnectionReplacedByRenewalLeavesAMarkedGap() async throws {
        // The watchdog (10 s) is slower than the renewal (3 s): the replacement takes over from a
        // connection that had already gone quiet, and what it missed must still be marked.
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, extra: "renew_after_seconds: 3")
            .replacingOccurrences(of: "stale_after_seconds: 2", with: "stale_after_seconds: 10"))
        let first = try await server.subscriber(to: Self.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the feed to reach the daemon") { feed.count > 5 }
        server.hub.silence(first)
        try await eventually("the renewal", within: 20) { daemon.log.contains("replacement is live") }
        let count = feed.count
        try await eventually("more events") { feed.count > count + 10 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.gaps.count == 1, "\(result)")
        #expect(daemon.log.contains("the old connection fell silent before its replacement took over"))
    }
}
