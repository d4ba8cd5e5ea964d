import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// The daemon's threads, as `top -H` shows them to an operator: the main thread (waiting for
/// signals), the network thread, Dispatch's workers for the collector's serial queues, and the
/// metrics endpoint's event loop. Nothing runs on Swift's cooperative pool or Dispatch's global
/// queues: their first use starts libdispatch's pool monitor, which then wakes the process every
/// second for as long as it runs — a cost the capture benchmark measures at the live rate.
@Suite struct ThreadsTests {
    @Test func everyThreadIsOneTheDaemonNamesAndNoneIsOnSwiftsCooperativePool() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        // A host name to look up, a REST source with nothing listening (its deadlines and waits),
        // metrics scraped, a reload: every path that once used the cooperative pool or the global queues.
        let refused = "http://127.0.0.1:9"
        let daemon = try DaemonProcess(configuration: """
            endpoint: ws://localhost:\(server.port)/market
            streams: ["!assetIndex@arr"]
            reconnect: {initial_delay_ms: 100, max_delay_ms: 500}
            rest:
              sources:
                - endpoint: \(refused)/fapi/v1/assetIndex
                  interval_seconds: 1
            """, environment: DaemonProcess.metricsOnAnyPort.merging(["STREAM_COLLECTOR_REST_ENDPOINT": refused]) { $1 })
        let port = try await daemon.metricsPort()
        _ = try await server.subscriber(to: ["!assetIndex@arr"])
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(50))
        try await eventually("the REST source to have failed, and events written") {
            let scrape = try? await Scrape.get(port, "/metrics")
            return scrape?.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="failed"}"#) != nil
                && scrape?.value(#"stream_collector_seconds_since_last_event{stream="!assetIndex@arr"}"#) != nil
        }
        daemon.hangUp()
        try await eventually("the reload to finish") { daemon.log.contains("SIGHUP: reloading") }
        try await Task.sleep(for: .seconds(6)) // past a supervisor check or two
        _ = feed.stop()

        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.processIdentifier)/task").map { task in
            try String(contentsOfFile: "/proc/\(daemon.processIdentifier)/task/\(task)/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The kernel keeps a name's first 15 bytes; libdispatch names its threads by the tail
        // of the root queue's label: "-qos.overcommit" serves serial queues, "…default-qos"
        // (and other "-qos" endings) the cooperative pool and the global queues.
        let known: [(String) -> Bool] = [
            { $0 == "stream-collecto" }, { $0 == "lws-service" }, { $0 == "resolve" }, { $0 == "supervisor" },
            { $0.hasSuffix("-qos.overcommit") }, { $0.hasPrefix("NIO-ELT-") },
        ]
        let unknown = names.filter { name in !known.contains { $0(name) } }
        #expect(names.contains("lws-service") && names.contains { $0.hasPrefix("NIO-ELT-") }, "\(names)")
        #expect(unknown.isEmpty, "threads the daemon does not name: \(unknown) (all: \(names))")
        #expect(!names.contains { $0.hasSuffix("-qos") }, "a thread of Swift's cooperative pool or Dispatch's global queues: \(names)")
        let (status, _) = try await daemon.terminate()
        #expect(status == 0)
    }
}
