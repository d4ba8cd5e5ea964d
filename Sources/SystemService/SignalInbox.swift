import Dispatch
import Synchronization

/// The signals a process has received and not yet taken, for a thread that waits for them
/// (`Signals.inbox(of:)`). `next` may be called from one thread at a time; delivery is from any.
public final class SignalInbox: Sendable {
    private final class Mailbox: Sendable {
        let arrived = Mutex<[ProcessSignal]>([])
        let waiting = DispatchSemaphore(value: 0)

        func deliver(_ signal: ProcessSignal) {
            arrived.withLock { $0.append(signal) }
            waiting.signal()
        }
    }

    private let mailbox = Mailbox()
    private let sources: SignalSources

    init(_ signals: [ProcessSignal]) {
        sources = SignalSources(signals) { [mailbox] in mailbox.deliver($0) }
    }

    deinit {
        sources.cancel()
    }

    /// The oldest signal not yet taken, waiting for one if there is none.
    public func next() -> ProcessSignal {
        mailbox.waiting.wait()
        return mailbox.arrived.withLock { $0.removeFirst() }
    }
}
