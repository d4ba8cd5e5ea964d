import MarketDecoding
import WebSocketTransport

/// What a `StreamShard` and its connections hand their output to: every message received, and
/// the gap records the shard writes. `FramePipeline` in the daemon; a recorder in the shard's tests.
protocol ShardOutput: Sendable {
    /// A message from one of the shard's connections; called on the network thread, returns at once.
    func submit(_ message: ReceivedMessage, from source: MessageSource)
    /// Records the shard made (gaps), queued behind every message set going so far (a pass's
    /// messages go at its end, or a few passes later in a burst).
    func submit(_ records: [Record])
}
