import Glibc

/// Lines written to stderr at once: one unbuffered `write(2)` per line, so a line is never split
/// or interleaved with another thread's, and a journal, test or supervisor reading the pipe sees
/// it when it is written. The daemon's log and the foreground commands' status lines (`replay`,
/// `simulate`) go through it; stdout stays for data.
public enum StandardError {
    /// Writes `message` and a newline.
    public static func print(_ message: String) {
        write(message + "\n")
    }

    /// Writes `text` as it is.
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
