import Synchronization

/// Bytes received but not yet consumed downstream, with the high and low water marks that turn
/// reading off and on again.
///
/// The network thread charges each message; the consumer credits it once written. Above `high`
/// the budget reports paused and the loop stops reading (`lws_rx_flow_control`), so a slow disk
/// or decoder holds memory near `high` instead of queueing without bound.
public final class ReceiveBudget: Sendable {
    public let high: Int
    public let low: Int
    private let state = Mutex<(outstanding: Int, paused: Bool)>((0, false))

    public init(high: Int, low: Int) {
        precondition(low < high, "low water mark must be below the high one")
        self.high = high
        self.low = low
    }

    /// Adds received bytes; returns true when this crossed the high mark (reading should pause).
    func charge(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.outstanding += bytes
            guard !state.paused, state.outstanding > high else { return false }
            state.paused = true
            return true
        }
    }

    /// Removes consumed bytes; returns true when reading should resume.
    func credit(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.outstanding -= bytes
            guard state.paused, state.outstanding <= low else { return false }
            state.paused = false
            return true
        }
    }

    public var isPaused: Bool { state.withLock { $0.paused } }
    public var outstandingBytes: Int { state.withLock { $0.outstanding } }
}
