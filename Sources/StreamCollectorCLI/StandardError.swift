import Glibc

/// Status lines of the foreground commands (`replay`, `simulate`), written to stderr at once:
/// unbuffered, so a test or supervisor reading a pipe or file sees each line when it is printed,
/// and stdout stays for data.
enum StandardError {
    static func print(_ message: String) {
        var line = Array((message + "\n").utf8)
        _ = line.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
