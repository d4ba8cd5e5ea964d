import MarketDecoding
import RecordStorage

/// Everything the daemon needs to run, validated: every value here is usable as it is.
public struct CollectorConfiguration: Sendable, Equatable {
    /// The routed market endpoint, e.g. `wss://fstream.binance.com/market`; the collector connects
    /// to `<endpoint>/stream` (combined streams) and subscribes there.
    public var endpoint: String
    /// Stream names subscribed as they are (`!assetIndex@arr`, `!contractInfo`, ...).
    public var streams: [String]
    /// Symbols whose `<symbol>@assetIndex` stream is subscribed (lowercased on the wire).
    public var symbols: [String]
    public var storage: StorageConfiguration
    /// REST base URL (`https://fapi.binance.com`) from which a snapshot of `/fapi/v1/assetIndex`
    /// is fetched after each gap; nil turns snapshots off.
    public var restEndpoint: String?
    /// REST documents polled on intervals, and the limits every REST request keeps to.
    public var rest: RestPollingConfiguration
    /// Where the Prometheus `/metrics` and `/healthz` endpoint listens; nil: no endpoint.
    public var metricsListen: ListenAddress?
    /// Extra trust anchor (PEM file). Certificate and host-name checks are always on.
    public var caFile: String?
    /// A connection whose ticking streams deliver nothing for this long is dropped and reopened.
    public var staleAfterSeconds: Int
    /// A connection this old is replaced (make-before-break) before Binance's 24-hour cut.
    public var renewAfterSeconds: Int
    /// Frames above this size are not decoded; they go whole to the rejected-frames file.
    public var maxFrameBytes: Int
    /// First reconnect delay; doubles per failure up to `reconnectMaxDelayMilliseconds`.
    public var reconnectInitialDelayMilliseconds: Int
    public var reconnectMaxDelayMilliseconds: Int
    /// Pause between two SUBSCRIBE requests on one connection (Binance allows 10 messages/s).
    public var subscribeIntervalMilliseconds: Int
    /// At most this many streams per connection; more are spread over several connections.
    public var streamsPerConnection: Int
    /// Seconds allowed for TCP, TLS and the upgrade together before an attempt counts as failed.
    public var connectTimeoutSeconds: Int
    /// Validity: ping after this many idle seconds, hang up after `hangupAfterSeconds`.
    public var pingAfterSeconds: Int
    public var hangupAfterSeconds: Int
    /// Bytes received but not yet written above which reading pauses.
    public var inflightBytes: Int
    public var logLevel: String

    /// Every stream to subscribe, in order, without duplicates: `streams` then `<symbol>@assetIndex`.
    public var allStreams: [String] {
        var seen = Set<String>()
        return (streams + symbols.map(StreamCatalog.assetIndex(symbol:))).filter { seen.insert($0).inserted }
    }
}

extension CollectorConfiguration {
    /// The keys whose values differ between `self` and `other` but that a running collector
    /// cannot change (a reload keeps their running values; a restart applies them).
    public func restartOnlyChanges(to other: CollectorConfiguration) -> [String] {
        var keys: [String] = []
        func compare<Value: Equatable>(_ key: String, _ path: KeyPath<CollectorConfiguration, Value>) {
            if self[keyPath: path] != other[keyPath: path] { keys.append(key) }
        }
        compare("endpoint", \.endpoint)
        compare("output.directory", \.storage.directory)
        compare("rest.endpoint", \.restEndpoint)
        compare("rest.weight_per_minute", \.rest.weightPerMinute)
        compare("rest.timeout_seconds", \.rest.timeoutSeconds)
        compare("rest.retry.initial_delay_ms", \.rest.retryInitialDelayMilliseconds)
        compare("rest.retry.max_delay_ms", \.rest.retryMaxDelayMilliseconds)
        compare("tls.ca_file", \.caFile)
        compare("stale_after_seconds", \.staleAfterSeconds)
        compare("renew_after_seconds", \.renewAfterSeconds)
        compare("max_frame_bytes", \.maxFrameBytes)
        compare("reconnect.initial_delay_ms", \.reconnectInitialDelayMilliseconds)
        compare("reconnect.max_delay_ms", \.reconnectMaxDelayMilliseconds)
        compare("subscribe_interval_ms", \.subscribeIntervalMilliseconds)
        compare("streams_per_connection", \.streamsPerConnection)
        compare("connect_timeout_seconds", \.connectTimeoutSeconds)
        compare("validity.ping_after_seconds", \.pingAfterSeconds)
        compare("validity.hangup_after_seconds", \.hangupAfterSeconds)
        compare("inflight_bytes", \.inflightBytes)
        compare("metrics.listen", \.metricsListen)
        return keys
    }

    /// `self` with what a reload can change taken from `other`: streams, symbols, REST sources,
    /// the output settings other than the directory, and the log level.
    public func reloaded(from other: CollectorConfiguration) -> CollectorConfiguration {
        var result = self
        result.rest.sources = other.rest.sources
        result.streams = other.streams
        result.symbols = other.symbols
        result.storage = other.storage
        result.storage.directory = storage.directory
        result.logLevel = other.logLevel
        return result
    }
}

/// The REST pollers' sources and the limits shared by every REST request of the collector
/// (pollers and gap snapshots).
public struct RestPollingConfiguration: Sendable, Equatable {
    public var sources: [RestSourceConfiguration]
    /// Request weight allowed per host per minute, retries and snapshots included.
    public var weightPerMinute: Int
    /// Seconds a request may take from lookup to the last body byte.
    public var timeoutSeconds: Int
    /// Failed requests are retried after this, doubling (with jitter) up to the maximum.
    public var retryInitialDelayMilliseconds: Int
    public var retryMaxDelayMilliseconds: Int
}

/// A `HOST:PORT` to listen on (`[::1]:9464` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
