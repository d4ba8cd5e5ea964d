import FoundationEssentials
import Glibc

/// Looks at the newest data file below a folder (`.ndjson`, or `.ndjson.gz` once compressed, which
/// keeps the original's modification time): when it was last written, and whether it ends mid-line.
///
/// Read-only: the collector never repairs a file in place (shippers that already read part of the
/// fragment would ship merged garbage); it reports it and writes to a new file instead.
enum TailInspector {
    struct Tail {
        let path: String
        /// Last modification time (µs since the epoch): about when the previous run last wrote.
        let modifiedAtMicros: Int64
        /// Bytes after the last newline; 0 when the file ends with a whole line.
        let fragmentBytes: Int
    }

    static func newest(under folder: String) -> Tail? {
        guard let paths = try? FileManager.default.subpathsOfDirectory(atPath: folder) else { return nil }
        var newest: (name: String, relative: String)?
        for relative in paths {
            guard let kind = DataFileName(relative) else { continue }
            if newest == nil || kind.base > newest!.name { newest = (kind.base, relative) }
        }
        guard let newest else { return nil }
        let path = "\(folder)/\(newest.relative)"
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000 + Int64(status.st_mtim.tv_nsec) / 1000
        let compressed = newest.relative.hasSuffix(DataFileName.compressedSuffix)
        return Tail(path: path, modifiedAtMicros: modified, fragmentBytes: compressed ? 0 : fragmentLength(path))
    }

    private static func fragmentLength(_ path: String) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        let size = Int(lseek(descriptor, 0, SEEK_END))
        guard size > 0 else { return 0 }
        let window = min(size, 1 << 20)
        let tail = [UInt8](unsafeUninitializedCapacity: window) { buffer, count in
            count = max(0, pread(descriptor, buffer.baseAddress, window, off_t(size - window)))
        }
        guard let last = tail.last, last != UInt8(ascii: "\n") else { return 0 }
        return tail.count - ((tail.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0)
    }
}
