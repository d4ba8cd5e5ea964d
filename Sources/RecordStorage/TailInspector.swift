import Foundation

/// Finds the newest `.ndjson` file below a folder and tells whether it ends mid-line.
///
/// Read-only: the collector never repairs a file in place (shippers that already read part of the
/// fragment would ship merged garbage); it reports it and writes to a new file instead.
enum TailInspector {
    static func unterminatedTail(under folder: String) -> (path: String, bytes: Int)? {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return nil }
        var newest: String?
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".ndjson") else { continue }
            if newest == nil || relative > newest! { newest = relative }
        }
        guard let newest else { return nil }
        let path = "\(folder)/\(newest)"
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        let window = min(size, 1 << 20)
        try? handle.seek(toOffset: size - window)
        guard let tail = try? handle.readToEnd(), let last = tail.last, last != UInt8(ascii: "\n") else { return nil }
        let fragment = tail.count - ((tail.lastIndex(of: UInt8(ascii: "\n")).map { $0 - tail.startIndex + 1 }) ?? 0)
        return (path, fragment)
    }
}
