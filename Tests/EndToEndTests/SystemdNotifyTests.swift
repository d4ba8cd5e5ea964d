import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// The daemon under `Type=notify`, seen from systemd's side: a datagram socket of the test's own
/// as `NOTIFY_SOCKET`, abstract and path. Readiness and the watchdog measure the daemon, not the
/// exchange: an unreachable or silent upstream is reported in `STATUS=`, never by a restart.
@Suite(.serialized) struct SystemdNotifyTests {
    @Test(arguments: [true, false])
    func speaksTheNotifyProtocol(abstractSocket: Bool) async throws {
        let listener = try NotifyListener(abstract: abstractSocket)
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let configuration = server.collectorConfiguration(streams: ["!assetIndex@arr"], extra: "stale_after_seconds: 2")
        // WatchdogSec=2 s: pings every second while every thread answers.
        let daemon = try DaemonProcess(configuration: configuration,
                                       environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "2000000"])
        try await eventually("READY=1") { !listener.messages(with: "READY=1").isEmpty }
        #expect(listener.messages(with: "READY=1").first?.value("STATUS")?.contains("streams live") == true)

        let feed = SequencedFeed(hub: server.hub)
        try await eventually("a status line saying the stream is live") {
            listener.messages.contains { $0.value("STATUS")?.hasPrefix("1/1 streams live") == true }
        }
        try await eventually("watchdog pings") { listener.messages(with: "WATCHDOG=1").count >= 2 }

        // Events stop: the stream goes stale and the status says so, but the daemon is working,
        // so the pings go on (a restart would not make the exchange publish).
        _ = feed.stop()
        try await eventually("a status line saying the stream is not live") {
            listener.messages.contains { $0.value("STATUS")?.hasPrefix("0/1 streams live") == true }
        }
        let pingsBefore = listener.messages(with: "WATCHDOG=1").count
        try await eventually("pings while nothing flows", within: 10) { listener.messages(with: "WATCHDOG=1").count >= pingsBefore + 2 }
        #expect(!daemon.log.contains("withholding"))

        daemon.hangUp()
        try await eventually("RELOADING=1 then READY=1") {
            let messages = listener.messages
            guard let reloading = messages.lastIndex(where: { $0.has("RELOADING=1") }) else { return false }
            return messages[reloading...].contains { $0.has("READY=1") }
        }
        let reloading = try #require(listener.messages(with: "RELOADING=1").first)
        #expect(Int64(reloading.value("MONOTONIC_USEC") ?? "") != nil)

        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(!listener.messages(with: "STOPPING=1").isEmpty)
    }

    /// Started while the exchange is unreachable (nothing listens on its port): ready within
    /// seconds, watchdog pings throughout, the outage in `STATUS=` and `/healthz`, a quiet log —
    /// one line when the failures start and one when the streams are live again — and data as
    /// soon as the exchange answers.
    @Test func readyAndWatchedWhileTheExchangeIsUnreachable() async throws {
        let listener = try NotifyListener(abstract: true)
        let port = try await Self.freePort()
        let configuration = """
            endpoint: ws://127.0.0.1:\(port)/market
            streams: ["!assetIndex@arr"]
            subscribe_interval_ms: 20
            reconnect:
              initial_delay_ms: 100
              max_delay_ms: 300
            """
        let started = Date()
        let daemon = try DaemonProcess(configuration: configuration,
                                       environment: DaemonProcess.metricsOnAnyPort.merging(
                                           ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "2000000"]) { $1 })
        try await eventually("READY=1 with nothing listening", within: 5) { !listener.messages(with: "READY=1").isEmpty }
        #expect(Date().timeIntervalSince(started) < 5)
        let metrics = try await daemon.metricsPort()
        try await eventually("a status line naming the reconnect and its cause") {
            listener.messages.contains { message in
                guard let status = message.value("STATUS") else { return false }
                return status.hasPrefix("0/1 streams live; reconnecting in ") && status.contains("(attempt ")
            }
        }
        try await eventually("several failed attempts", within: 20) {
            let scrape = try? await Scrape.get(metrics, "/metrics")
            return (scrape?.value(#"stream_collector_reconnects_total{reason="connect-failed"}"#) ?? 0) >= 8
        }
        let health = try await Scrape.get(metrics, "/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains("unhealthy: 0/1 streams live; ") && health.body.contains("(attempt "), "\(health.body)")
        #expect(listener.messages(with: "WATCHDOG=1").count >= 3, "pings go on while the exchange is unreachable")
        #expect(!daemon.log.contains("withholding"))
        let outageLines = daemon.log.split(separator: "\n").filter { $0.hasPrefix("<4>") || $0.hasPrefix("<3>") }
        #expect(outageLines.count == 1, "one warning for the whole outage:\n\(outageLines.joined(separator: "\n"))")
        #expect(outageLines.first?.contains("further failures are summarised every 5 min") == true)
        #expect(!daemon.log.contains("libwebsockets:"), "the library's per-attempt lines stay at debug level")

        let server = try await TestServer.start(port: port)
        defer { Task { await server.stop() } }
        _ = try await server.subscriber(to: ["!assetIndex@arr"], within: 20)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("data, and a line saying the streams are live again", within: 20) {
            daemon.log.contains("streams live again after") && ((try? DataFiles(directory: daemon.dataDirectory).lines("asset-index").count) ?? 0) > 3
        }
        try await eventually("healthy", within: 10) { (try? await Scrape.get(metrics, "/healthz").status) == 200 }
        _ = feed.stop()
        #expect(try await daemon.terminate().status == 0)
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

    /// A port on 127.0.0.1 that nothing listens on (bound once, then released).
    static func freePort() async throws -> Int {
        let probe = try await TestServer.start()
        let port = probe.port
        await probe.stop()
        return port
    }
}
