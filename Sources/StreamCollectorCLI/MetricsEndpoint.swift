import Collector
import HTTPServing
import Metrics
import Prometheus

/// The operator's view of a running collector over HTTP: `/metrics` in the Prometheus text
/// format (every `stream_collector_*` series, gauges refreshed at each scrape) and `/healthz`,
/// which answers 200 only while events flow, the disk accepts writes and every thread answers its
/// heartbeat (503 with the reason otherwise).
enum MetricsEndpoint {
    /// Routes swift-metrics to a Prometheus registry; call before anything makes a metric.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // fsync latency: 100 µs ... 5 s.
        factory.durationHistogramBuckets["stream_collector_fsync_seconds"] = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
            .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.valueHistogramBuckets[CollectorStats.lagLabel] = CollectorStats.lagBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }

    static func start(on address: ListenAddress, registry: PrometheusCollectorRegistry, service: CollectorService) throws -> ListeningSocket {
        try HTTPServer.start(host: address.host, port: address.port) { request in
            switch request.path {
            case "/metrics":
                service.refreshGauges()
                return HTTPAnswer(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                  body: registry.emitToString())
            case "/healthz":
                let health = service.health()
                return HTTPAnswer(status: health.healthy ? 200 : 503, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                  body: "\(health.problem.map { "unhealthy: \($0)" } ?? "ok"): \(health.summary)\n")
            default:
                return HTTPAnswer(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: "not found: try /metrics or /healthz\n")
            }
        }
    }
}
