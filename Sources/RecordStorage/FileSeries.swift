import Clocks
import MarketDecoding

/// The sequence of files of one family: at most one open at a time, each new one in its own
/// uniquely named file, never reopened once closed.
final class FileSeries {
    struct OpenFile {
        let file: AppendOnlyFile
        let partition: Partition
        /// When it was created: the wall clock names it, the monotonic clock ages it.
        let createdAt: Moment
        var dataLines = 0
        /// Bytes appended since the last sync was started.
        var unsyncedBytes = 0
        /// Whether its next sync or close goes to the background (`backgroundSyncBytes`).
        var syncsInBackground: Bool { unsyncedBytes >= FileSeries.backgroundSyncBytes }
    }

    /// How a sync went.
    enum Sync {
        /// Nothing was written since the last one.
        case clean
        /// Done before returning.
        case done
        /// Handed to the background; its result comes from `BackgroundSync.collect()`.
        case handedOver
    }

    /// A sync or close with at least this much unsynced goes to the background, so the writer
    /// goes on appending while the disk takes it; a smaller one (the live rate's second of lines)
    /// is done in place, which costs no thread wake-up.
    static let backgroundSyncBytes = 1 << 20

    let family: StreamFamily
    private let root: String
    private(set) var current: OpenFile?
    private let report: (StorageEvent) -> Void
    private let background: BackgroundSync

    init(family: StreamFamily, root: String, background: BackgroundSync, report: @escaping (StorageEvent) -> Void) {
        self.family = family
        self.root = root
        self.background = background
        self.report = report
    }

    /// Makes sure an open file can take a line of `lineBytes` for `partition`, rotating when the
    /// partition changed, the file is too old, or the line would make it outgrow `rotateBytes`
    /// (a fresh file takes its first line whatever its size). Returns how many bytes the current
    /// file can still take.
    func prepare(for partition: Partition, lineBytes: Int, now: Moment, configuration: StorageConfiguration) throws(StorageError) -> Int {
        if let open = current {
            let tooOld = now.nanoseconds(since: open.createdAt) >= Int64(configuration.rotateSeconds) * 1_000_000_000
            let full = open.dataLines > 0 && open.file.size + lineBytes > configuration.rotateBytes
            if open.partition != partition || tooOld || full { closeCurrent() }
        }
        if current == nil { try openNew(partition: partition, now: now) }
        return max(0, configuration.rotateBytes - current!.file.size)
    }

    /// Appends whole lines; on failure the file is abandoned (it keeps at most an unterminated
    /// fragment at its end) and the count of bytes that reached it is returned with the error.
    func write(_ bytes: [UInt8], lines: Int) -> (written: Int, error: StorageError?) {
        guard var open = current else { return (0, nil) }
        let result = bytes.withUnsafeBytes { open.file.append($0) }
        if result.error != nil {
            current = nil
            open.file.close()
            return result
        }
        open.dataLines += lines
        open.unsyncedBytes += result.written
        current = open
        return result
    }

    /// Syncs the open file if it has unsynced lines: in place, or in the background when there is
    /// much to write (`backgroundSyncBytes`).
    func syncIfDirty() throws(StorageError) -> Sync {
        guard var open = current, open.unsyncedBytes > 0 else { return .clean }
        let inBackground = open.syncsInBackground
        if inBackground { try open.file.sync(in: background) } else { try open.file.sync() }
        open.unsyncedBytes = 0
        current = open
        return inBackground ? .handedOver : .done
    }

    func closeIfOlder(than seconds: Int, now: Moment) {
        if let open = current, now.nanoseconds(since: open.createdAt) >= Int64(seconds) * 1_000_000_000 {
            closeCurrent()
        }
    }

    func closeCurrent() {
        guard let open = current else { return }
        current = nil
        open.file.close(syncingIn: open.syncsInBackground ? background : nil)
        report(.fileClosed(path: open.file.path, lines: open.dataLines, bytes: open.file.size))
    }

    private func openNew(partition: Partition, now: Moment) throws(StorageError) {
        let folder = "\(root)/\(family.name)/\(partition.relativePath)"
        try Directories.create(folder)
        let header = FileHeader(fileId: FileHeader.newFileId(), family: family, createdAtMicros: now.wallMicros, partition: partition)
        let name = "\(family.name)-\(UTCTime(microsecondsSinceEpoch: now.wallMicros).compact)-\(header.fileId.prefix(8)).ndjson"
        let file = try AppendOnlyFile(creating: "\(folder)/\(name)", startingWith: header.line(), syncingFolderIn: background)
        current = OpenFile(file: file, partition: partition, createdAt: now)
        report(.fileOpened(path: file.path))
    }
}
