import Dispatch
import Glibc

/// A signal the daemon acts on.
public enum ProcessSignal: String, Sendable {
    /// Stop: write everything received, close the files, exit 0.
    case terminate = "SIGTERM"
    case interrupt = "SIGINT"
    /// Reload the configuration and reopen the files.
    case hangUp = "SIGHUP"

    var number: Int32 {
        switch self {
        case .terminate: SIGTERM
        case .interrupt: SIGINT
        case .hangUp: SIGHUP
        }
    }
}

/// Delivers process signals, kept apart from the collector itself. From the call on, the
/// signals named are no longer handled by their default action (which would end the process)
/// but delivered, in order, to what the call returns.
public enum Signals {
    /// The signals as an async sequence.
    public static func stream(of signals: [ProcessSignal]) -> AsyncStream<ProcessSignal> {
        AsyncStream { continuation in
            let sources = SignalSources(signals) { continuation.yield($0) }
            continuation.onTermination = { _ in sources.cancel() }
        }
    }

    /// The signals for a thread that waits for them (`SignalInbox.next()`), with no Swift
    /// concurrency involved.
    public static func inbox(of signals: [ProcessSignal]) -> SignalInbox {
        SignalInbox(signals)
    }
}

/// The Dispatch signal sources behind `Signals`, on a serial queue of their own; `cancel` is
/// safe from any thread.
final class SignalSources: @unchecked Sendable {
    // @unchecked: the array never changes after `init`, and cancelling a Dispatch source is thread-safe.
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [ProcessSignal], _ deliver: @escaping @Sendable (ProcessSignal) -> Void) {
        let queue = DispatchQueue(label: "stream-collector.signals")
        sources = signals.map { kind in
            signal(kind.number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: kind.number, queue: queue)
            source.setEventHandler { deliver(kind) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
