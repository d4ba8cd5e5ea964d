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
    /// When the current connection's WebSocket opened, on the monotonic clock (nil: none open).
    public var openedAtNanos: Int64?
    /// Since when the current connection is live (every SUBSCRIBE answered and data arriving), on
    /// the monotonic clock.
    public var liveSinceNanos: Int64?
    /// When the current connection's latest data arrived, on the monotonic clock (nil: none).
    public var lastDataNanos: Int64?
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

    /// Live and, for ticking streams, data no older than `staleNanos` (monotonic clock).
    public func isFlowing(nowNanos: Int64, staleNanos: Int64) -> Bool {
        guard liveSinceNanos != nil else { return false }
        guard ticking else { return true }
        guard let lastDataNanos else { return false }
        return nowNanos - lastDataNanos < staleNanos
    }

    /// What the shard is doing while it is not flowing, in a few words.
    func activity(nowNanos: Int64) -> String {
        if let retry {
            let wait = (retry.atNanos - nowNanos + 999_999_999) / 1_000_000_000
            return wait > 0 ? "reconnecting in \(wait) s (attempt \(retry.attempt)): \(retry.cause)"
                : "connecting (attempt \(retry.attempt + 1); last failure: \(retry.cause))"
        }
        if openedAtNanos == nil { return "connecting" }
        if liveSinceNanos == nil { return answered ? "subscribed, waiting for the first event" : "subscribing" }
        return "no data within stale_after_seconds"
    }
}
