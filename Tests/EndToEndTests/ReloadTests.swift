import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// SIGHUP: the configuration file is read again; streams and symbols change on the open
/// connection without touching the others, output settings apply at once, files are reopened;
/// a broken file changes nothing.
@Suite(.serialized) struct ReloadTests {
    func configuration(port: Int, symbols: [String], extra: String = "") -> String {
        """
        endpoint: ws://127.0.0.1:\(port)/market
        streams: ["!assetIndex@arr"]
        symbols: [\(symbols.joined(separator: ", "))]
        subscribe_interval_ms: 20
        \(extra)
        """
    }

    @Test func changesSymbolsOnTheOpenConnectionWithoutLosingTheOtherStreams() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(port: server.port, symbols: ["ADAUSD"]))
        let connection = try await server.subscriber(to: ["!assetIndex@arr", "adausd@assetIndex"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(50))
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("events on disk") { ((try? files.lines("asset-index"))?.count ?? 0) > 5 }
        let filesBefore = files.paths("asset-index").count

        #expect(!daemon.log.contains("<7>"), "log_level info: no debug lines yet")
        try daemon.writeConfiguration(configuration(port: server.port, symbols: ["BTCUSD"], extra: "log_level: debug"), output: "  rotate_seconds: 1\n")
        daemon.hangUp()
        try await eventually("btcusd subscribed and adausd unsubscribed on the same connection") {
            let sessions = server.hub.connections
            return sessions.count == 1 && sessions[0].connection == connection
                && sessions[0].session.subscriptions == ["!assetIndex@arr", "btcusd@assetIndex"]
        }
        let btcEvent = SequencedFeed.event(symbol: "BTCUSD", eventTime: 1_795_268_400_000, tick: 7)
        #expect(server.hub.publish(stream: "btcusd@assetIndex", payload: btcEvent) == 1)
        try await eventually("the new symbol's event on disk") {
            (try? files.lines("asset-index").contains { $0.contains(#""stream":"btcusd@assetIndex""#) }) == true
        }
        // The reload started a new file, and rotate_seconds: 1 keeps starting new ones.
        try await eventually("new files after the reload", within: 5) { files.paths("asset-index").count >= filesBefore + 2 }
        #expect(daemon.log.contains("configuration reloaded"))
        #expect(daemon.log.contains("<7>"), "the reloaded log_level applies")

        let (sent, result) = try await finishRun(feed, daemon)
        #expect(sent.count > 20)
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.gaps.isEmpty, "the other stream was not interrupted: \(result)")
        #expect(server.hub.connections.count <= 1)
    }

    @Test func aBrokenConfigurationIsRejectedAndTheRunningOneStays() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(port: server.port, symbols: ["ADAUSD"]))
        let connection = try await server.subscriber(to: ["!assetIndex@arr", "adausd@assetIndex"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(50))

        try "streams: [\"!assetIndex@arr\"]\nsymbols: [\"bad symbol!\"]\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.hangUp()
        try await eventually("the rejection logged") { daemon.log.contains("configuration rejected") }
        #expect(daemon.log.contains("'symbols'"), "the log line names the key")

        // A valid file that changes a key a running collector cannot change: said, and kept.
        try daemon.writeConfiguration(configuration(port: server.port, symbols: ["ADAUSD"], extra: "stale_after_seconds: 12"))
        daemon.hangUp()
        try await eventually("the restart-only key named") { daemon.log.contains("applied only after a restart: stale_after_seconds") }

        try await Task.sleep(for: .milliseconds(500))
        #expect(server.hub.connections.count == 1 && server.hub.connections[0].connection == connection)
        #expect(server.hub.connections[0].session.subscriptions == ["!assetIndex@arr", "adausd@assetIndex"])
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.gaps.isEmpty && result.duplicated.isEmpty, "\(result)")
    }
}
