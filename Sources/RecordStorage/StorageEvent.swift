import MarketDecoding

/// Something the store wants operators to know about; delivered on the store's queue.
public enum StorageEvent: Sendable {
    case fileOpened(path: String)
    case fileClosed(path: String, lines: Int, bytes: Int)
    /// Found at start-up: the newest earlier file ends without a newline. It is left as it is.
    case unterminatedTail(path: String, fragmentBytes: Int)
    /// A write the disk refused; `firstOfEpisode` is true for the first since the last
    /// `writeRecovered` (log that one; count them all).
    case writeFailed(path: String, reason: String, firstOfEpisode: Bool)
    /// An `fdatasync` of an open file completed, taking this long.
    case synced(nanoseconds: Int64)
    /// Writing works again; everything that was buffered has been written, in order.
    case writeRecovered
    /// The in-memory buffer overflowed during a write failure; the oldest records were dropped.
    /// `firstOfEpisode` is true for the first drop since the last gap record was written.
    case droppedOldest(records: Int, bytes: Int, firstOfEpisode: Bool)
    /// A `collector.gap` record for dropped records reached the file.
    case gapRecorded(Gap)
    /// A maintenance pass compressed or deleted files (retention).
    case maintained(compressed: Int, deleted: Int, deletedBytes: Int)
    /// Compressing or deleting a file failed (the first of an episode); the file is left as it was.
    case maintenanceFailed(StorageError)
}
