import Glibc
import RecordStorage

/// What went wrong while reading, told to the user as it happens (`file:line: reason`) and
/// summed up at the end. Reading goes on after every one of these.
public final class ReplayDiagnostics {
    /// Lines skipped because they are not valid records.
    public private(set) var invalidLines = 0
    /// Files ending in an unterminated fragment (skipped).
    public private(set) var fragments = 0
    /// Files that could not be opened or read.
    public private(set) var unreadableFiles = 0
    /// `.gz` files whose compressed data is corrupt or truncated (read up to the damage).
    public private(set) var corruptFiles = 0
    /// Lines read, and files opened, so far.
    public internal(set) var linesRead = 0
    public internal(set) var filesOpened = 0

    private let report: (String) -> Void
    private let reportLimit: Int
    private var reported = 0

    /// - Parameters:
    ///   - report: receives each message (the CLI writes them to stderr).
    ///   - reportLimit: messages about single lines beyond this many are only counted.
    public init(reportLimit: Int = 100, report: @escaping (String) -> Void) {
        self.reportLimit = reportLimit
        self.report = report
    }

    func invalidLine(_ path: String, _ line: Int, _ reason: String) {
        invalidLines += 1
        limited("\(path):\(line): skipped, \(reason)")
    }

    func fragment(_ path: String, _ line: Int, bytes: Int) {
        fragments += 1
        limited("\(path):\(line): skipped an unterminated final fragment of \(bytes) bytes")
    }

    func unreadable(_ error: StorageError) {
        if error.code == EILSEQ {
            corruptFiles += 1
            report("\(error.path): corrupt or truncated gzip data; records after the damage are missing")
        } else {
            unreadableFiles += 1
            report("\(error.description); its records are missing")
        }
    }

    private func limited(_ message: String) {
        reported += 1
        if reported <= reportLimit { report(message) }
        if reported == reportLimit + 1 { report("(further line problems are counted, not shown)") }
    }

    /// One line summing up the problems, or nil when there were none.
    public var summary: String? {
        var parts: [String] = []
        if invalidLines > 0 { parts.append("\(invalidLines) invalid lines skipped") }
        if fragments > 0 { parts.append("\(fragments) unterminated fragments skipped") }
        if unreadableFiles > 0 { parts.append("\(unreadableFiles) files unreadable") }
        if corruptFiles > 0 { parts.append("\(corruptFiles) gzip files corrupt") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// 74 (EX_IOERR) when a file could not be read, 65 (EX_DATAERR) when a `.gz` is corrupt: the
    /// output then lacks records. 0 otherwise — skipped lines and fragments are reported, and are
    /// what a crash normally leaves.
    public var exitCode: Int32 {
        if unreadableFiles > 0 { return 74 }
        if corruptFiles > 0 { return 65 }
        return 0
    }
}
