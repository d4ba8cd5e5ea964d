import Clocks
import Glibc
import MarketDecoding

/// A one-line progress display on a terminal's stderr — files, lines, position in time — redrawn
/// at most twice a second, and erased at the end. Silent when stderr is not a terminal.
public final class ReplayProgress {
    private let enabled: Bool
    private var lastDrawn: Int64 = 0
    private var calls = 0

    public init(enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
    }

    /// Called per record; draws now and then.
    public func update(_ replay: MergedReplay, at micros: Int64) {
        guard enabled else { return }
        calls &+= 1
        guard calls & 0x3FFF == 0 else { return }
        let now = MonotonicClock.nowNanoseconds() / 1000
        guard now - lastDrawn >= 500_000 else { return }
        lastDrawn = now
        let diagnostics = replay.diagnostics
        let time = UTCTime(microsecondsSinceEpoch: micros).iso8601.prefix(19) + "Z"
        Self.draw("\r\u{1B}[Kreplay: file \(diagnostics.filesOpened)/\(replay.fileCount), \(diagnostics.linesRead) lines read, at \(time)")
    }

    /// Erases the line.
    public func finish() {
        guard enabled else { return }
        Self.draw("\r\u{1B}[K")
    }

    private static func draw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
