/// Where and how records are stored.
public struct StorageConfiguration: Sendable, Equatable {
    /// Root folder; every file the store writes is below it.
    public var directory: String
    /// A file is closed and a new one begun before it would grow past this many bytes.
    public var rotateBytes: Int
    /// A file is closed and a new one begun once it is this old.
    public var rotateSeconds: Int
    /// How often written data is flushed to stable storage with `fdatasync` (0: only on rotation and close).
    public var fsyncIntervalMilliseconds: Int
    /// Records held in memory while the disk refuses writes; beyond it the oldest are dropped and counted.
    public var bufferBytes: Int
    /// A closed file is gzip-compressed (into `*.ndjson.gz`) once it has been closed this long,
    /// so shippers have finished reading it; nil: never.
    public var compressAfterSeconds: Int?
    /// Closed files whose last write is older than this many days are deleted; nil: kept.
    public var retainDays: Int?
    /// Beyond this many bytes of files in all, the oldest closed files are deleted; nil: no limit.
    public var retainBytes: Int?

    public init(directory: String, rotateBytes: Int = 256 << 20, rotateSeconds: Int = 3600,
                fsyncIntervalMilliseconds: Int = 1000, bufferBytes: Int = 64 << 20,
                compressAfterSeconds: Int? = 600, retainDays: Int? = nil, retainBytes: Int? = nil) {
        self.directory = directory
        self.rotateBytes = rotateBytes
        self.rotateSeconds = rotateSeconds
        self.fsyncIntervalMilliseconds = fsyncIntervalMilliseconds
        self.bufferBytes = bufferBytes
        self.compressAfterSeconds = compressAfterSeconds
        self.retainDays = retainDays
        self.retainBytes = retainBytes
    }
}
