import Dispatch
import Foundation

/// Process signal handling, kept apart from the collector itself.
enum Signals {
    /// Waits for SIGTERM or SIGINT and returns its name.
    static func waitForTermination() async -> String {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "stream-collector.signals")
            let once = Once()
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if once.claim() { continuation.resume(returning: name) }
                }
                source.resume()
                once.keep(source)
            }
        }
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Resumes a continuation once and keeps the signal sources alive (touched only on one queue).
    private final class Once: @unchecked Sendable {
        private var claimed = false
        private var sources: [DispatchSourceSignal] = []
        func claim() -> Bool {
            defer { claimed = true }
            return !claimed
        }
        func keep(_ source: DispatchSourceSignal) { sources.append(source) }
    }
}
