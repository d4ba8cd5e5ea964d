import FoundationEssentials
import Logging
import Synchronization

/// A swift-log handler that writes one line per message to stderr, prefixed with the syslog
/// priority (`<3>` error, `<4>` warning, `<6>` info ...) that journald turns into the entry's level.
///
/// Every handler made with the same `LogLevelControl` follows its level, so a reload changes the
/// level of loggers already handed out.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let level: LogLevelControl

    public init(label: String, level: LogLevelControl) {
        self.label = label
        self.level = level
    }

    public var logLevel: Logger.Level {
        get { level.level }
        set { level.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = "<\(Self.priority(event.level))>\(label): \(event.message)\(details.isEmpty ? "" : " [\(details)]")\n"
        StandardError.write(text)
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }
}

/// The level shared by every `JournalLogHandler` of the process; thread-safe.
public final class LogLevelControl: Sendable {
    private let current: Mutex<Logger.Level>

    public init(_ level: Logger.Level) {
        current = Mutex(level)
    }

    public var level: Logger.Level {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
