import Foundation
import MarketServer
import Testing

/// The daemon under `Type=notify`, seen from systemd's side: a datagram socket of the test's own
/// as `NOTIFY_SOCKET`, abstract and path.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test(arguments: [true, false])
    func speaksTheNotifyProtocol(abstractSocket: Bool) async throws {
        let listener = try NotifyListener(abstract: abstractSocket)
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let configuration = server.collectorConfiguration(streams: ["!assetIndex@arr"], extra: "stale_after_seconds: 2")
        // WatchdogSec=1 s: pings every 0.5 s while healthy.
        let daemon = try DaemonProcess(configuration: configuration,
                                       environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "1000000"])
        // No data yet: subscriptions answered is what makes it ready, not the first event.
        try await eventually("READY=1") { !listener.messages(with: "READY=1").isEmpty }
        #expect(server.hub.connections.contains { $0.session.isSubscribed(to: "!assetIndex@arr") })
        #expect(listener.messages(with: "READY=1").first?.value("STATUS")?.contains("streams live") == true)
        #expect(listener.messages(with: "WATCHDOG=1").isEmpty, "no watchdog ping before events flow")

        let feed = SequencedFeed(hub: server.hub)
        try await eventually("watchdog pings while events flow") { listener.messages(with: "WATCHDOG=1").count >= 3 }
        try await eventually("a status line saying the stream is live") {
            listener.messages.contains { $0.value("STATUS")?.hasPrefix("1/1 streams live") == true }
        }

        // Events stop: once the stream is stale (2 s), the pings stop, so systemd would restart it.
        _ = feed.stop()
        try await Task.sleep(for: .seconds(2.5))
        let pingsBefore = listener.messages(with: "WATCHDOG=1").count
        try await Task.sleep(for: .seconds(2))
        #expect(listener.messages(with: "WATCHDOG=1").count == pingsBefore, "no ping while nothing flows")
        #expect(daemon.log.contains("withholding systemd watchdog pings: events are not flowing"))

        let resumed = SequencedFeed(hub: server.hub)
        try await eventually("pings again once events flow") { listener.messages(with: "WATCHDOG=1").count > pingsBefore }

        daemon.hangUp()
        try await eventually("RELOADING=1 then READY=1") {
            let messages = listener.messages
            guard let reloading = messages.lastIndex(where: { $0.has("RELOADING=1") }) else { return false }
            return messages[reloading...].contains { $0.has("READY=1") }
        }
        let reloading = try #require(listener.messages(with: "RELOADING=1").first)
        #expect(Int64(reloading.value("MONOTONIC_USEC") ?? "") != nil)

        _ = resumed.stop()
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(!listener.messages(with: "STOPPING=1").isEmpty)
    }

    @Test func withoutNotifySocketNothingIsSentAndNothingComplains() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: server.collectorConfiguration(streams: ["!assetIndex@arr"]),
                                       environment: ["WATCHDOG_USEC": "1000000"])
        _ = try await server.subscriber(to: ["!assetIndex@arr"])
        try await Task.sleep(for: .seconds(1))
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(!daemon.log.contains("could not notify systemd"))
    }
}
