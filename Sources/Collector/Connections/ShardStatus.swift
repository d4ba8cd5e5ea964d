/// What one `StreamShard` is doing, as of its last tick (once a second) or the last change of
/// its connection: read by health checks, the systemd status line and the metrics.
public struct ShardStatus: Sendable {
    /// The next attempt after the shard's connection failed or was lost: published until a
    /// connection is live again.
    public struct Retry: Sendable {
        /// When the attempt is due, on the monotonic clock (ns).
        public let atNanos: Int64
        /// Consecutive failures so far.
        public let attempt: Int
        /// Why the last connection failed or ended.
        public let cause: String
    }

    /// The shard's name in logs and metrics (`market-1`, ...).
    public let label: String
    public var streams: [String]
    /// Whether any of the streams ticks (false: only sparse streams such as `!contractInfo`).
    public var ticking = true
    /// When the current connection's WebSocket opened (nil: none open).
    public var openedAtMicros: Int64?
    /// Since when the current connection is live: every SUBSCRIBE answered and data arriving.
    public var liveSinceMicros: Int64?
    /// Receive time of the current connection's latest data record (0: none).
    public var lastDataMicros: Int64 = 0
    /// Whether the current connection had all its subscriptions answered.
    public var answered = false
    /// Whether some connection of this shard ever had all its subscriptions answered.
    public var answeredOnce = false
    /// Set while the shard is reconnecting after a failure.
    public var retry: Retry?

    init(label: String, streams: [String]) {
        self.label = label
        self.streams = streams
    }

    /// Live and, for ticking streams, data no older than `staleMicros`.
    public func isFlowing(nowMicros: Int64, staleMicros: Int64) -> Bool {
        guard liveSinceMicros != nil else { return false }
        return !ticking || nowMicros - lastDataMicros < staleMicros
    }

    /// What the shard is doing while it is not flowing, in a few words.
    func activity(nowNanos: Int64) -> String {
        if let retry {
            let wait = (retry.atNanos - nowNanos + 999_999_999) / 1_000_000_000
            return wait > 0 ? "reconnecting in \(wait) s (attempt \(retry.attempt)): \(retry.cause)"
                : "connecting (attempt \(retry.attempt + 1); last failure: \(retry.cause))"
        }
        if openedAtMicros == nil { return "connecting" }
        if liveSinceMicros == nil { return answered ? "subscribed, waiting for the first event" : "subscribing" }
        return "no data within stale_after_seconds"
    }
}
