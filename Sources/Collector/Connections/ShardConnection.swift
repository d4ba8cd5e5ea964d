import Clocks
import MarketDecoding
import WebSocketTransport

/// The network side of one connection of a `StreamShard`, called on the network thread: each
/// message goes straight to the shard's output (decoding), tagged with a `MessageSource` whose
/// answers — a control reply, the first data — hop onto the shard's queue; opening and closing
/// hop there too.
final class ShardConnection: WebSocketDelegate, @unchecked Sendable {
    // @unchecked: `source` is set in `webSocketDidOpen` and read in the later callbacks, all of
    // them on the network thread (the transport's contract); everything else is immutable.
    private weak var shard: StreamShard?
    private let label: String
    private let activity: ShardSession.Activity
    private let output: any ShardOutput
    private var source: MessageSource?

    init(shard: StreamShard, label: String, activity: ShardSession.Activity, output: any ShardOutput) {
        self.shard = shard
        self.label = label
        self.activity = activity
        self.output = output
    }

    func webSocketDidOpen(_ connection: ConnectionID) {
        let activity = self.activity
        source = MessageSource(
            label: label,
            onReply: { [weak shard] reply in shard?.connection(connection, replied: reply) },
            onData: { [weak shard] received in
                guard activity.noteData(received) else { return }
                shard?.connectionDeliveredFirstData(connection)
            })
        shard?.connectionOpened(connection)
    }

    func webSocket(_ connection: ConnectionID, didReceive message: ReceivedMessage) {
        guard let source else { return }
        output.submit(message, from: source)
    }

    func webSocket(_ connection: ConnectionID, didClose reason: CloseReason) {
        shard?.connectionClosed(connection, reason)
    }
}
