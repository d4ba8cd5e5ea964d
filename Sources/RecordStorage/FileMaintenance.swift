import Clocks
import CLinux
import Glibc
import MarketDecoding

/// Compresses and deletes closed data files, never the open ones.
///
/// Compression: a closed `*.ndjson` untouched for `compressAfterSeconds` (shippers have read it by
/// then; for a file this run closed, counted on the monotonic clock from its close, so that a step
/// of the wall clock cannot cut the shippers' grace short) becomes `*.ndjson.gz`, outside the shippers' `*.ndjson` glob, atomically: gzip into a
/// hidden temporary file, fsync it, give it the original's modification time, rename it into
/// place, sync the folder, and only then remove the original. A crash at any point leaves either
/// the original alone, or both (the next pass removes the original), never a partial `.gz`.
///
/// Retention: closed files last written more than `retainDays` ago are deleted, then the oldest
/// closed files until all files together fit in `retainBytes`. Emptied hour and date folders go too.
///
/// Not thread-safe: the owner calls `run` from one serial queue (not the writer's: gzip of a big
/// file takes seconds).
public final class FileMaintenance {
    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        public var compressed = 0
        public var deleted = 0
        public var deletedBytes = 0
    }

    private let directory: String
    private let report: (StorageEvent) -> Void
    private var failing = false

    public init(directory: String, report: @escaping (StorageEvent) -> Void) {
        self.directory = directory
        self.report = report
    }

    /// One pass over every family folder. `openPaths` are the files being written (skipped);
    /// `closedAt` says when this run closed files, on the monotonic clock.
    @discardableResult
    public func run(configuration: StorageConfiguration, openPaths: Set<String>, closedAt: [String: Int64] = [:], now: Moment = .now()) -> Pass {
        var pass = Pass()
        var files = scan()
        let nowMicros = now.wallMicros
        if let seconds = configuration.compressAfterSeconds {
            let before = nowMicros - Int64(seconds) * 1_000_000
            func settled(_ file: DataFile) -> Bool {
                guard let closed = closedAt[file.path] else { return file.modifiedAtMicros <= before }
                return now.monotonicNanos - closed >= Int64(seconds) * 1_000_000_000
            }
            for index in files.indices where !files[index].compressed && settled(files[index]) && !openPaths.contains(files[index].path) {
                if let compressed = compress(files[index]) {
                    files[index] = compressed
                    pass.compressed += 1
                }
            }
        }
        // Oldest first: by last write (kept through compression), then by name.
        var closed = files.filter { !openPaths.contains($0.path) }.sorted { ($0.modifiedAtMicros, $0.path) < ($1.modifiedAtMicros, $1.path) }
        var total = files.reduce(0) { $0 + $1.bytes }
        if let days = configuration.retainDays {
            let before = nowMicros - Int64(days) * 86_400_000_000
            for file in closed where file.modifiedAtMicros < before && delete(file) {
                pass.deleted += 1
                pass.deletedBytes += file.bytes
                total -= file.bytes
            }
            closed.removeAll { $0.modifiedAtMicros < before }
        }
        if let limit = configuration.retainBytes {
            for file in closed {
                guard total > limit else { break }
                if delete(file) {
                    pass.deleted += 1
                    pass.deletedBytes += file.bytes
                    total -= file.bytes
                }
            }
        }
        if pass.deleted > 0 { removeEmptyFolders() }
        if pass != Pass() { report(.maintained(compressed: pass.compressed, deleted: pass.deleted, deletedBytes: pass.deletedBytes)) }
        return pass
    }

    // MARK: - Files

    private struct DataFile {
        let path: String
        let compressed: Bool
        let bytes: Int
        let modifiedAtMicros: Int64
    }

    /// Every data file below `<directory>/<family>/date=*/hour=*/`; leftovers of an interrupted
    /// compression (hidden `.compressing` files, an original whose `.gz` is complete) are cleaned up.
    private func scan() -> [DataFile] {
        var files: [DataFile] = []
        for family in StreamFamily.all {
            for date in Self.list("\(directory)/\(family.name)") where date.hasPrefix("date=") {
                for hour in Self.list("\(directory)/\(family.name)/\(date)") where hour.hasPrefix("hour=") {
                    let folder = "\(directory)/\(family.name)/\(date)/\(hour)"
                    let names = Self.list(folder)
                    let present = Set(names)
                    for name in names {
                        let path = "\(folder)/\(name)"
                        if name.hasPrefix("."), name.hasSuffix(Self.temporarySuffix) {
                            _ = unlink(path)
                            continue
                        }
                        guard DataFileName(name) != nil else { continue }
                        let compressed = name.hasSuffix(DataFileName.compressedSuffix)
                        if !compressed, present.contains(name + ".gz") {
                            // A completed compression interrupted before the original was removed.
                            _ = unlink(path)
                            continue
                        }
                        var status = stat()
                        guard stat(path, &status) == 0 else { continue }
                        files.append(DataFile(path: path, compressed: compressed, bytes: Int(status.st_size),
                                              modifiedAtMicros: Self.micros(status.st_mtim)))
                    }
                }
            }
        }
        return files
    }

    /// The temporary file's name ends in this and holds no `.ndjson`, so neither a shipper's
    /// `*.ndjson` glob nor an engine's `*.ndjson*` matches it.
    private static let temporarySuffix = ".compressing"

    private func compress(_ file: DataFile) -> DataFile? {
        let folder = String(file.path[..<file.path.lastIndex(of: "/")!])
        let name = String(file.path[file.path.index(after: file.path.lastIndex(of: "/")!)...])
        let temporary = "\(folder)/.\(name.dropLast(DataFileName.suffix.count))\(Self.temporarySuffix)"
        let target = file.path + ".gz"
        let input = open(file.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return fail("read", file.path, errno) }
        defer { _ = close(input) }
        var original = stat()
        guard fstat(input, &original) == 0 else { return fail("inspect", file.path, errno) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard output >= 0 else { return fail("create", temporary, errno) }
        var code = sc_gzip(input, output, 6)
        if code == 0, fsync(output) != 0 { code = errno }
        if code == 0 {
            // Keep the original's modification time: it says when the data was written.
            var times = [timespec(tv_sec: original.st_atim.tv_sec, tv_nsec: original.st_atim.tv_nsec), original.st_mtim]
            if futimens(output, &times) != 0 { code = errno }
        }
        _ = close(output)
        guard code == 0, rename(temporary, target) == 0 else {
            let reason = code == 0 ? errno : code
            _ = unlink(temporary)
            return fail("compress", file.path, reason)
        }
        try? AppendOnlyFile.syncDirectory(containing: target)
        _ = unlink(file.path)
        try? AppendOnlyFile.syncDirectory(containing: target)
        failing = false
        var status = stat()
        let bytes = stat(target, &status) == 0 ? Int(status.st_size) : 0
        return DataFile(path: target, compressed: true, bytes: bytes, modifiedAtMicros: file.modifiedAtMicros)
    }

    private func delete(_ file: DataFile) -> Bool {
        guard unlink(file.path) == 0 else {
            _ = fail("delete", file.path, errno)
            return false
        }
        try? AppendOnlyFile.syncDirectory(containing: file.path)
        return true
    }

    /// Reports the first failure of an episode (a full disk fails every file alike).
    private func fail(_ operation: String, _ path: String, _ code: Int32) -> DataFile? {
        if !failing { report(.maintenanceFailed(StorageError(operation: operation, path: path, code: code))) }
        failing = true
        return nil
    }

    private func removeEmptyFolders() {
        for family in StreamFamily.all {
            let base = "\(directory)/\(family.name)"
            for date in Self.list(base) where date.hasPrefix("date=") {
                for hour in Self.list("\(base)/\(date)") where hour.hasPrefix("hour=") {
                    _ = rmdir("\(base)/\(date)/\(hour)")
                }
                _ = rmdir("\(base)/\(date)")
            }
        }
    }

    private static func list(_ folder: String) -> [String] {
        guard let handle = opendir(folder) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func micros(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}
