import CollectorTestKit
import Foundation
import MarketServer
import NIOWebSocket
import Testing

/// Bad input and lost connections never stop the daemon, and nothing is dropped silently.
@Suite(.serialized) struct ResilienceTests {
    func configuration(endpoint: String) -> String {
        """
        endpoint: \(endpoint)
        streams: ["!assetIndex@arr", "!contractInfo"]
        subscribe_interval_ms: 20
        max_frame_bytes: 65536
        reconnect:
          initial_delay_ms: 100
          max_delay_ms: 500
        log_level: debug
        """
    }

    static let streams = ["!assetIndex@arr", "!contractInfo"]

    @Test func malformedFramesGoWholeToTheRejectedFileAndCaptureGoesOn() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "ws://127.0.0.1:\(server.port)/market"))
        let connection = try await server.subscriber(to: Self.streams)
        let invalidUTF8: [UInt8] = Array(#"{"stream":"!contractInfo","data":"#.utf8) + [0xC3, 0x28] + [0x7D]
        let oversized = #"{"stream":"!assetIndex@arr","data":["# + String(repeating: #"{"e":"assetIndexUpdate","E":1,"s":"X","i":"1"},"#, count: 2000) + "{}]}"
        connection.send(text: "this is not json")
        connection.send(frame: .binary, payload: [0x00, 0xFF, 0x10])
        connection.send(frame: .text, payload: invalidUTF8)
        connection.send(text: #"{"stream":"!assetIndex@arr","data":42}"#)
        connection.send(text: oversized)
        let good = "[" + Wire.assetIndex("ADAUSD", eventTime: 1_795_268_300_000, tick: 1) + "]"
        server.hub.publish(stream: "!assetIndex@arr", payload: good)

        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("five rejections and the good event on disk") {
            (try? files.lines("rejected").count) == 5 && (try? files.lines("asset-index").count) == 1
        }
        #expect(daemon.isRunning)
        let rejected = try files.objects("rejected")
        #expect(rejected.map { $0["reason"] as? String } == ["invalid-json", "binary", "invalid-utf8", "unknown-shape", "oversized"])
        #expect(rejected[0]["payload"] as? String == "this is not json")
        #expect(rejected[1]["payload"] as? String == Data([0x00, 0xFF, 0x10]).base64EncodedString())
        #expect(rejected[2]["payload"] as? String == Data(invalidUTF8).base64EncodedString())
        #expect(rejected[4]["payload"] as? String == oversized)
        #expect(rejected.allSatisfy { $0["source"] as? String == "market-1" })
        #expect(try files.lines("asset-index").map(Wire.withoutReceiveTime) == Wire.expectedLines(stream: "!assetIndex@arr", payload: good))
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        // One log line per kind of rejection.
        #expect(daemon.log.components(separatedBy: "rejected a frame (invalid-json)").count == 2)
    }

    @Test func reconnectsAndResubscribesAfterAGoingAwayCloseAndAnAbruptDrop() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "ws://127.0.0.1:\(server.port)/market"))
        let files = DataFiles(directory: daemon.dataDirectory)
        let events = { try files.lines("asset-index").filter { !$0.contains(#""type":"collector.gap""#) } }
        var sent: [String] = []
        for (round, drop) in [(0, "1001"), (1, "abort"), (2, "none")] {
            let connection = try await server.subscriber(to: Self.streams)
            let payload = "[" + Wire.assetIndex("ADAUSD", eventTime: 1_795_268_300_000 + Int64(round) * 1000, tick: round) + "]"
            server.hub.publish(stream: "!assetIndex@arr", payload: payload)
            sent += Wire.expectedLines(stream: "!assetIndex@arr", payload: payload)
            try await eventually("round \(round) on disk") { (try? events().count) == sent.count }
            switch drop {
            case "1001": connection.close(code: 1001, reason: "going away")
            case "abort": connection.abort()
            default: break
            }
            if drop != "none" {
                // This very connection, not "no connection": the daemon reconnects 50–100 ms after a
                // drop here, and a loaded machine can miss a window that short between the two.
                try await eventually("the old connection to go") { !server.hub.connections.contains { $0.connection == connection } }
            }
        }
        #expect(try events().map(Wire.withoutReceiveTime) == sent)
        #expect(daemon.log.contains("closed by the server with 1001 \"going away\""))
        #expect(daemon.log.contains("connection lost without a close frame"))
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        let gaps = try files.objects("asset-index").filter { $0["type"] as? String == "collector.gap" }
        #expect(gaps.map { $0["reason"] as? String } == ["connection-lost", "connection-lost"], "each drop is an outage")
    }

    @Test func anUnresolvableHostIsRetriedWithoutStoppingTheDaemon() async throws {
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "ws://no-such-host.invalid/market"))
        try await eventually("three failed attempts") {
            daemon.log.components(separatedBy: "failed to connect").count > 3
        }
        #expect(daemon.isRunning)
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(stopped.seconds < 2.0)
    }

    @Test func aBadConfigurationExitsNonZeroNamingTheKey() async throws {
        let daemon = try DaemonProcess(configuration: "log_level: info\n", environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_SECONDS": "soon"])
        try await eventually("the daemon to exit") { !daemon.isRunning }
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 78)
        #expect(daemon.log.contains("invalid value 'soon' for 'output.rotate_seconds'"))
    }
}

/// Answers the first request of the first connection with a Binance error, then behaves.
final class FirstRequestRefused: WebSocketServerHandler, @unchecked Sendable {
    let hub: MarketHub
    private let lock = NSLock()
    private var refused = false

    init(hub: MarketHub) { self.hub = hub }

    func connected(_ connection: ServerConnection) { hub.connected(connection) }
    func disconnected(_ connection: ServerConnection) { hub.disconnected(connection) }
    func received(text: String, on connection: ServerConnection) {
        let refuse = lock.withLock { defer { refused = true }; return !refused }
        guard refuse, let id = text.range(of: #""id":(\d+)"#, options: .regularExpression).map({ text[$0].dropFirst(5) }) else {
            return hub.received(text: text, on: connection)
        }
        connection.send(text: #"{"error":{"code":2,"msg":"Invalid request: refused by the test"},"id":\#(id)}"#)
    }
}

@Suite(.serialized) struct SubscriptionErrorTests {
    @Test func aRefusedSubscriptionIsLoggedWithItsRequestAndTheConnectionRecovers() async throws {
        let server = try await TestServer.start(wrap: { FirstRequestRefused(hub: $0) })
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: """
            endpoint: ws://127.0.0.1:\(server.port)/market
            streams: ["!assetIndex@arr"]
            stale_after_seconds: 2
            reconnect:
              initial_delay_ms: 100
            """)
        _ = try await server.subscriber(to: ["!assetIndex@arr"])
        #expect(daemon.log.contains(#"server refused SUBSCRIBE ["!assetIndex@arr"] (id 1): code 2: Invalid request: refused by the test"#))
        #expect(daemon.log.contains("no data for 2 s"))
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
    }
}
