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

/// Delivers process signals as an async sequence, kept apart from the collector itself.
public enum Signals {
    /// From the call on, `signals` are no longer handled by their default action (which would
    /// end the process) but yielded, in order, to the returned stream.
    public static func stream(of signals: [ProcessSignal]) -> AsyncStream<ProcessSignal> {
        AsyncStream { continuation in
            let queue = DispatchQueue(label: "stream-collector.signals")
            let sources = SignalSources(signals.map { kind in
                signal(kind.number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: kind.number, queue: queue)
                source.setEventHandler { continuation.yield(kind) }
                source.resume()
                return source
            })
            continuation.onTermination = { _ in sources.cancel() }
        }
    }
}

/// The dispatch sources of one stream; `cancel` is safe from any thread.
private final class SignalSources: @unchecked Sendable {
    // @unchecked: the array never changes after `init`, and cancelling a Dispatch source is thread-safe.
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
