import CLibWebSockets
import FoundationEssentials
import Synchronization

/// Routes libwebsockets' own log lines (process-wide in lws) to one Swift sink, and remembers the
/// latest error so a connection failure can name its precise cause (TLS details appear only there).
enum LibraryLog {
    typealias Sink = @Sendable (_ isError: Bool, _ line: String) -> Void

    private static let sink = Mutex<Sink?>(nil)
    private static let lastError = Mutex<String?>(nil)

    static func install(_ newSink: @escaping Sink) {
        sink.withLock { $0 = newSink }
        lws_set_log_level(LLL_ERR | LLL_WARN, emit)
    }

    /// The most recent error line, cleared by reading it.
    static func takeLastError() -> String? {
        lastError.withLock { value in
            defer { value = nil }
            return value
        }
    }

    /// A line of the transport's own about how it set the library up, to the same sink.
    static func report(isError: Bool, _ text: String) {
        sink.withLock { $0 }?(isError, text)
    }

    private static let emit: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { level, line in
        guard let line else { return }
        var trimmed = Substring(String(cString: line))
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        let text = String(trimmed)
        let isError = level & LLL_ERR != 0
        if isError { lastError.withLock { $0 = text } }
        report(isError: isError, text)
    }
}

