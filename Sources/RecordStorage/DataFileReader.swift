import CLinux
import Glibc

/// Reads a data file back whole, `.ndjson` as it is and `.ndjson.gz` decompressed, so readers
/// treat compressed and uncompressed files alike.
public enum DataFileReader {
    /// The file's (uncompressed) bytes. A corrupt or truncated `.gz` is an error, not a short read.
    public static func contents(of path: String) throws(StorageError) -> [UInt8] {
        guard let reader = sc_gunzip_open(path) else { throw StorageError(operation: "open", path: path, code: errno) }
        defer { sc_gunzip_close(reader) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let got = chunk.withUnsafeMutableBytes { sc_gunzip_read(reader, $0.baseAddress, UInt32($0.count)) }
            if got < 0 { throw StorageError(operation: "decompress", path: path, code: EILSEQ) }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<Int(got)])
        }
    }

    /// Whether `name` is a data file the collector writes (`.ndjson` or `.ndjson.gz`).
    public static func isDataFile(_ name: String) -> Bool { DataFileName(name) != nil }
}
