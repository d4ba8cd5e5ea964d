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
    /// Blank, for the keys to fill (`ConfigurationLoader`); not a usable configuration by itself.
    init() {
        self.init(endpoint: "", streams: [], symbols: [], storage: StorageConfiguration(directory: ""), restEndpoint: nil,
                  rest: RestPollingConfiguration(sources: [], weightPerMinute: 0, timeoutSeconds: 0,
                                                 retryInitialDelayMilliseconds: 0, retryMaxDelayMilliseconds: 0),
                  metricsListen: nil, caFile: nil, staleAfterSeconds: 0, renewAfterSeconds: 0, maxFrameBytes: 0,
                  reconnectInitialDelayMilliseconds: 0, reconnectMaxDelayMilliseconds: 0, subscribeIntervalMilliseconds: 0,
                  streamsPerConnection: 0, connectTimeoutSeconds: 0, pingAfterSeconds: 0, hangupAfterSeconds: 0,
                  inflightBytes: 0, logLevel: "")
    }

    /// The keys whose values differ between `self` and `other` but that a running collector
    /// cannot change (a reload keeps their running values; a restart applies them).
    public func restartOnlyChanges(to other: CollectorConfiguration) -> [String] {
        ConfigurationKey.all.filter { $0.reload == .restartOnly && !$0.agrees(self, other) }.map(\.name)
    }

    /// `self` with what a reload can change taken from `other`: the keys declared `.applied`.
    public func reloaded(from other: CollectorConfiguration) -> CollectorConfiguration {
        var result = self
        for key in ConfigurationKey.all where key.reload == .applied { key.adopt(other, &result) }
        return result
    }

    /// Every key with the value in effect and its help line, as `check-config` prints them.
    public var keyReport: [(key: String, value: String, help: String)] {
        ConfigurationKey.all.map { ($0.name, $0.show(self), $0.help) }
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

    /// Parses `HOST:PORT`; nil when the port is missing or out of range or the host is empty.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
