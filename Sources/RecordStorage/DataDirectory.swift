import FoundationEssentials
import Glibc
import MarketDecoding

/// The files a collector wrote below one output directory, as `RecordStore` lays them out:
/// `<family>/date=YYYY-MM-DD/hour=HH/<family>-<UTC time>-<id>.ndjson[.gz]`.
///
/// Lists, never writes. Families are the directory's sub-folders (so families added by later
/// versions are found too); each family's files are ordered by name, which is their creation time,
/// so reading them in order reads the family in the order it was written.
public struct DataDirectory: Sendable {
    /// One data file and the hour its records were received in.
    public struct File: Sendable, Hashable {
        public let path: String
        public let family: String
        /// The file name without `.gz`: orders a family's files in time.
        public let sortKey: String
        /// Start of the `date=/hour=` partition (µs since the epoch); every record in the file was
        /// received within the hour from here. Nil when the folders do not name an hour.
        public let partitionStartMicros: Int64?
        public var isCompressed: Bool { path.hasSuffix(DataFileName.compressedSuffix) }
    }

    public let path: String
    /// Family name → its files in order.
    public let families: [String: [File]]

    /// Lists `path`. Throws when it is missing, not a folder, or cannot be listed.
    public init(path: String) throws(StorageError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw StorageError(operation: "open data directory", path: path, code: errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw StorageError(operation: "open data directory", path: path, code: ENOTDIR) }
        guard access(path, R_OK | X_OK) == 0 else { throw StorageError(operation: "read data directory", path: path, code: errno) }
        self.path = path
        var families: [String: [File]] = [:]
        for family in Self.entries(path) where !family.hasPrefix(".") && Self.isFolder("\(path)/\(family)") {
            var files: [File] = []
            for date in Self.entries("\(path)/\(family)") where date.hasPrefix("date=") {
                for hour in Self.entries("\(path)/\(family)/\(date)") where hour.hasPrefix("hour=") {
                    let folder = "\(path)/\(family)/\(date)/\(hour)"
                    let start = UTCTime.microseconds(iso8601: "\(date.dropFirst(5))T\(hour.dropFirst(5))Z")
                    for name in Self.entries(folder) {
                        guard let fileName = DataFileName(name), !name.hasPrefix(".") else { continue }
                        files.append(File(path: "\(folder)/\(name)", family: family, sortKey: fileName.base, partitionStartMicros: start))
                    }
                }
            }
            if !files.isEmpty { families[family] = files.sorted { $0.sortKey < $1.sortKey } }
        }
        self.families = families
    }

    /// Every file, family by family.
    public var allFiles: [File] { families.keys.sorted().flatMap { families[$0]! } }

    private static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    private static func isFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}
