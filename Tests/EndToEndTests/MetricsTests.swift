import CLinux
import CollectorTestKit
import Foundation
import MarketDecoding
import MarketServer
import Testing

/// The operator's HTTP view: `/metrics` (Prometheus text) and `/healthz`, scraped from the real
/// daemon while it captures from a local server.
@Suite(.serialized) struct MetricsTests {
    func get(_ port: Int, _ path: String) async throws -> Scrape { try await Scrape.get(port, path) }

    @Test func metricsAndHealthFollowWhatTheCollectorDoes() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        // A REST source and snapshots with nothing listening: their failures are counted too.
        let refused = "http://127.0.0.1:9"
        let daemon = try DaemonProcess(configuration: server.collectorConfiguration(streams: ["!assetIndex@arr"], extra: """
            stale_after_seconds: 2
            rest:
              sources:
                - endpoint: \(refused)/fapi/v1/assetIndex
                  interval_seconds: 1
            """), environment: DaemonProcess.metricsOnAnyPort.merging(["STREAM_COLLECTOR_REST_ENDPOINT": refused]) { $1 })
        let port = try await daemon.metricsPort()
        let connection = try await server.subscriber(to: ["!assetIndex@arr"])
        let idle = try await get(port, "/healthz")
        #expect(idle.status == 503, "no events yet: \(idle.body)")
        // Waiting for the first event — or, on a loaded machine that took longer than
        // stale_after_seconds to get here, already reconnecting for want of one.
        #expect(idle.body.contains("unhealthy: 0/1 streams live; subscribed, waiting for the first event")
                    || idle.body.contains("acknowledged-but-silent"), "\(idle.body)")

        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(50))
        try await eventually("healthy once events flow") { (try? await get(port, "/healthz").status) == 200 }
        try await eventually("the first events written") {
            (try? await get(port, "/metrics"))?.value(#"stream_collector_seconds_since_last_event{stream="!assetIndex@arr"}"#) != nil
        }
        let live = try await get(port, "/metrics")
        #expect(live.status == 200)
        #expect(live.value(#"stream_collector_connection_state{connection="market-1"}"#) == 2)
        #expect(live.value("stream_collector_healthy") == 1)
        #expect(live.value("stream_collector_ready") == 1)
        #expect((live.value(#"stream_collector_seconds_since_last_event{stream="!assetIndex@arr"}"#) ?? 99) < 2)
        #expect((live.value(#"stream_collector_connection_age_seconds{connection="market-1"}"#) ?? 0) > 0)
        #expect(live.value("stream_collector_buffer_bytes") != nil && live.value("stream_collector_buffer_limit_bytes") == 67_108_864)
        // The host clock's synchronisation as the kernel tells this process, and /healthz naming
        // an unsynchronised clock while it stays 200.
        var synchronised: Int32 = 0
        var estimated = 0, maximum = 0
        #expect(sc_clock_synchronisation(&synchronised, &estimated, &maximum) == 0)
        #expect(live.value("stream_collector_clock_synchronised") == Double(synchronised))
        #expect(live.value("stream_collector_clock_estimated_error_seconds") != nil && live.value("stream_collector_clock_maximum_error_seconds") != nil)
        let health = try await get(port, "/healthz")
        #expect(health.status == 200 && health.body.contains("host clock not synchronised") == (synchronised == 0), "\(health.body)")

        // A server-side close: counted by reason, and the outage becomes a gap.
        connection.close(code: 1011, reason: "internal error")
        let second = try await server.subscriber(to: ["!assetIndex@arr"], otherThan: connection)
        second.send(text: "this is not JSON")
        var counted = (reconnects: nil as Double?, gaps: nil as Double?, rejected: nil as Double?)
        do {
            try await eventually("the reconnect, the gap and the rejected frame counted") {
                let scrape = try? await get(port, "/metrics")
                counted = (scrape?.value(#"stream_collector_reconnects_total{reason="server-close-1011"}"#),
                           scrape?.value("stream_collector_gaps_total"),
                           scrape?.value(#"stream_collector_rejected_frames_total{reason="invalid-json"}"#))
                return counted == (1, 1, 1)
            }
        } catch {
            Issue.record("last counted \(counted); the daemon's log:\n\(daemon.log)")
            throw error
        }

        // Events stop: stale after 2 s, so unhealthy.
        let sent = feed.stop()
        try await eventually("unhealthy once events stop", within: 10) { (try? await get(port, "/healthz").status) == 503 }
        let final = try await get(port, "/metrics")
        let files = DataFiles(directory: daemon.dataDirectory)
        let written = try files.lines("asset-index").filter { $0.contains(#""type":"assetIndexUpdate""#) }.count
        #expect(written > 0 && written <= sent.count)
        #expect(final.value(#"stream_collector_events_written_total{stream="!assetIndex@arr"}"#) == Double(written))
        let bytes = try files.lines("asset-index").filter { $0.contains(#""type":"assetIndexUpdate""#) }.reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(final.value(#"stream_collector_bytes_written_total{stream="!assetIndex@arr"}"#) == Double(bytes))
        // Every record the family's files hold, events and the collector's own (gaps) alike.
        #expect(final.value(#"stream_collector_records_written_total{family="asset-index"}"#) == Double(try files.lines("asset-index").count))
        #expect((final.value("stream_collector_gap_seconds_total") ?? 0) > 0)
        #expect((final.value("stream_collector_fsync_seconds_count") ?? 0) > 0)
        // The lag histogram holds exactly the lags of the events written: recvTime − eventTime.
        let lags = try files.lines("asset-index").filter { $0.contains(#""type":"assetIndexUpdate""#) }.map { line in
            let record = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let received = try #require((record["recvTime"] as? String).flatMap(UTCTime.microseconds(iso8601:)))
            let eventTime = try #require(record["eventTime"] as? Int64)
            return Double(received - eventTime * 1000) / 1e6
        }
        let lagSeries = #"stream_collector_event_lag_seconds_bucket{stream="!assetIndex@arr",le=""#
        #expect(final.value(#"stream_collector_event_lag_seconds_count{stream="!assetIndex@arr"}"#) == Double(written))
        for bound in [0, 0.005, 0.01, 0.05, 0.1, 1, 5, 60] {
            #expect(final.value(lagSeries + "\(bound)\"}") == Double(lags.filter { $0 <= bound }.count), "events with a lag ≤ \(bound) s")
        }
        #expect(final.value("stream_collector_healthy") == 0)
        #expect(try await get(port, "/nothing").status == 404)
        // The Grafana dashboard queries only series the daemon exports.
        let dashboard = try String(contentsOf: ServiceInstallTests.repository.appendingPathComponent("config/grafana/stream-collector.json"), encoding: .utf8)
        let queried = Set(dashboard.matches(of: /stream_collector_[a-z_]+/).map { String($0.output) })
        #expect(queried.count >= 12)
        for series in queried {
            #expect(final.body.contains("\n" + series) || final.body.hasPrefix(series), "the dashboard's \(series) is exported")
        }
        // The alerting rules use only exported series, and their tests' input series are named
        // and labelled as exported.
        let rules = try String(contentsOf: ServiceInstallTests.repository.appendingPathComponent("config/prometheus/stream-collector.rules.yml"), encoding: .utf8)
        let used = Set(rules.matches(of: /stream_collector_[a-z_]+/).map { String($0.output) })
        #expect(used.count >= 15)
        #expect(final.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="failed"}"#) != nil, "\(final.body)")
        #expect(final.value(#"stream_collector_snapshots_total{outcome="failed"}"#) != nil)
        for series in used {
            #expect(final.names.contains(series), "the rules' \(series) is exported")
        }
        let ruleTests = try String(contentsOf: ServiceInstallTests.repository.appendingPathComponent("config/prometheus/stream-collector.rules.test.yml"), encoding: .utf8)
        let inputs = ruleTests.matches(of: /series: '(stream_collector_[a-z_]+)(\{[^']*\})'/).map { (String($0.output.1), String($0.output.2)) }
        #expect(inputs.count >= 20)
        for (name, labels) in inputs {
            let expected = Scrape.labelNames(labels).subtracting(["job", "instance"])
            #expect(final.labelNames(of: name).contains(expected), "\(name) is exported with the labels \(expected.sorted())")
        }
        #expect(try await daemon.terminate().status == 0)
    }

    @Test func anAddressInUseIsRefusedAtStartWithAClearMessage() async throws {
        let blocker = try await TestServer.start()
        defer { Task { await blocker.stop() } }
        let daemon = try DaemonProcess(configuration: "streams: [\"!assetIndex@arr\"]\nendpoint: ws://127.0.0.1:9/market",
                                       environment: ["STREAM_COLLECTOR_METRICS_LISTEN": "127.0.0.1:\(blocker.port)"])
        try await eventually("the daemon to exit") { !daemon.isRunning }
        #expect(daemon.log.contains("cannot listen on metrics.listen 127.0.0.1:\(blocker.port)"))
        #expect(try await daemon.terminate().status == 73)
    }
}
