import ArgumentParser
import Collector

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration (file plus environment) and print the values in effect.",
        discussion: "Exit status 0 when valid, 78 when not (the message names the key, the value and what is expected).")

    @Option(name: .long, help: "Configuration file (YAML or JSON).")
    var config: String?

    func run() async throws {
        let c = try loadConfiguration(config)
        print("""
            configuration is valid
            endpoint: \(c.endpoint) (connects to \(c.endpoint)/stream)
            streams (\(c.allStreams.count)): \(c.allStreams.joined(separator: ", "))
            connections: \((c.allStreams.count + c.streamsPerConnection - 1) / c.streamsPerConnection) (at most \(c.streamsPerConnection) streams each)
            output.directory: \(c.storage.directory)
            output.rotate_bytes: \(c.storage.rotateBytes)
            output.rotate_seconds: \(c.storage.rotateSeconds)
            output.fsync_interval_ms: \(c.storage.fsyncIntervalMilliseconds)
            output.buffer_bytes: \(c.storage.bufferBytes)
            output.compress: \(c.storage.compressAfterSeconds.map { "after \($0) s closed" } ?? "off")
            output.retain_days: \(c.storage.retainDays.map(String.init) ?? "0 (kept forever)")
            output.retain_bytes: \(c.storage.retainBytes.map(String.init) ?? "0 (no limit)")
            metrics.listen: \(c.metricsListen.map { "\($0) (/metrics, /healthz)" } ?? "(off)")
            rest.endpoint: \(c.restEndpoint.map { "\($0) (snapshot of /fapi/v1/assetIndex after each gap)" } ?? "(no snapshots)")
            rest.weight_per_minute: \(c.rest.weightPerMinute) per host
            rest.timeout_seconds: \(c.rest.timeoutSeconds)
            rest.retry: \(c.rest.retryInitialDelayMilliseconds) ms doubling to \(c.rest.retryMaxDelayMilliseconds) ms
            rest.sources (\(c.rest.sources.count)):\(c.rest.sources.map { "\n  " + Self.describe($0) }.joined())
            tls.ca_file: \(c.caFile ?? "(system store only)")
            stale_after_seconds: \(c.staleAfterSeconds)
            renew_after_seconds: \(c.renewAfterSeconds) (make-before-break renewal)
            connect_timeout_seconds: \(c.connectTimeoutSeconds)
            max_frame_bytes: \(c.maxFrameBytes)
            reconnect: \(c.reconnectInitialDelayMilliseconds) ms doubling to \(c.reconnectMaxDelayMilliseconds) ms
            validity: ping after \(c.pingAfterSeconds) s, hang up after \(c.hangupAfterSeconds) s
            log_level: \(c.logLevel)
            """)
    }

    private static func describe(_ source: RestSourceConfiguration) -> String {
        let queries = source.queries.map { $0.isEmpty ? "(no parameters)" : "?" + $0 }.joined(separator: " ")
        let key = source.document.needsAPIKey ? "; API key from " + (source.apiKeyFile.map { "file \($0)" } ?? "$\(source.apiKeyEnvironment ?? "")") : ""
        return "\(source.name): \(source.endpoint) \(queries) every \(source.intervalSeconds) s, weight \(source.weightPerInterval) per round\(key)\(source.enabled ? "" : " (disabled)")"
    }
}
