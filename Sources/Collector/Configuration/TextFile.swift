import Glibc

/// A small text file the daemon reads whole — its configuration, an API key — with the reason
/// when it cannot (`No such file or directory`, `Permission denied`, `not UTF-8 text`).
enum TextFile {
    /// Why a file could not be read, in the words of `strerror`.
    struct Unreadable: Error {
        let reason: String
    }

    static func read(_ path: String) throws(Unreadable) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Unreadable(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw Unreadable(reason: String(cString: strerror(errno)))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Unreadable(reason: "not UTF-8 text") }
        return text
    }
}
