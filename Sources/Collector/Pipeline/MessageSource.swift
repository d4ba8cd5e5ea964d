import Clocks
import MarketDecoding

/// Where a message came from, and who hears about what it contained: the decoding stage calls
/// `onReply` with a control reply and `onData` with the receive moment of a message that held
/// events, on its own queue.
struct MessageSource: Sendable {
    /// The connection's label (`market-1`), written into rejected-frame records.
    let label: String
    let onReply: @Sendable (ControlReply) -> Void
    let onData: @Sendable (_ received: Moment) -> Void
}
