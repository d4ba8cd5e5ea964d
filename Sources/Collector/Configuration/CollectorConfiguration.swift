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
        return (streams + symbols.map { "\($0.lowercased())@assetIndex" }).filter { seen.insert($0).inserted }
    }
}
