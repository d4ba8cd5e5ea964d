/// Reads a data file back whole, `.ndjson` as it is and `.ndjson.gz` decompressed, so readers
/// treat compressed and uncompressed files alike. For large files use `DataFileLines`.
public enum DataFileReader {
    /// The file's (uncompressed) bytes, an unterminated last fragment included. A corrupt or
    /// truncated `.gz` is an error, not a short read.
    public static func contents(of path: String) throws(StorageError) -> [UInt8] {
        let lines = try DataFileLines(path: path, bufferSize: 1 << 17)
        var bytes: [UInt8] = []
        while let line = try lines.next() {
            bytes.append(contentsOf: line)
            bytes.append(0x0A)
        }
        bytes.append(contentsOf: lines.unterminatedFragment)
        return bytes
    }

    /// Whether `name` is a data file the collector writes (`.ndjson` or `.ndjson.gz`).
    public static func isDataFile(_ name: String) -> Bool { DataFileName(name) != nil }
}
