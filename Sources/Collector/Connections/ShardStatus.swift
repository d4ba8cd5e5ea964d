/// What one `StreamShard` is doing, as of its last tick (every 250 ms): read by health checks,
/// the systemd status line and the metrics.
public struct ShardStatus: Sendable {
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
    /// Whether some connection of this shard ever had all its subscriptions answered.
    public var answeredOnce = false

    init(label: String, streams: [String]) {
        self.label = label
        self.streams = streams
    }

    /// Live and, for ticking streams, data no older than `staleMicros`.
    public func isFlowing(nowMicros: Int64, staleMicros: Int64) -> Bool {
        guard liveSinceMicros != nil else { return false }
        return !ticking || nowMicros - lastDataMicros < staleMicros
    }
}
