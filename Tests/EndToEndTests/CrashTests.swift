import Foundation
import MarketServer
import StreamVerification
import Testing

/// `kill -9` at arbitrary moments, then restart on the same files.
@Suite(.serialized) struct CrashTests {
    @Test func killedMidStreamEveryFileStaysReadableAndTheDowntimeIsMarked() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let configuration = FaultInjectionTests.configuration(port: server.port)
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(2))
        var daemon = try DaemonProcess(configuration: configuration)
        let crashes = 3
        for _ in 0..<crashes {
            let connection = try await server.subscriber(to: FaultInjectionTests.streams)
            try await Task.sleep(for: .milliseconds(Int.random(in: 700...1500)))
            try await daemon.crash()
            try await eventually("the server to see the connection go") { !server.hub.connections.contains { $0.connection == connection } }
            daemon = try DaemonProcess(configuration: configuration, restarting: daemon)
        }
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        try await Task.sleep(for: .milliseconds(500))
        let (sent, result) = try await finishRun(feed, daemon)
        let files = DataFiles(directory: daemon.dataDirectory)

        // Every line of every file is a whole JSON object, except at most a torn last fragment.
        for family in ["contract-info", "other-events", "rejected"] {
            _ = try files.objects(family, skippingTornTails: true)
        }
        #expect(result.unreadableLines == 0, "\(result)")
        #expect(result.tornFiles <= crashes, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.gaps.filter { $0.reason == "collector-down" }.count == crashes, "\(result)")
        #expect(result.written.count > sent.count / 2, "\(result)")
    }
}
