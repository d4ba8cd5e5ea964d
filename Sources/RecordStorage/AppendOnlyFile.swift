import CLinux
import Glibc

/// A file created once with its first bytes already in it, then written only by appending whole
/// buffers.
///
/// It never seeks or rewrites, and truncates only to its own size. Before an append it makes sure
/// the disk blocks the bytes need are reserved (`fallocate`, size unchanged), so a full disk
/// refuses the whole buffer instead of taking half a line. Blocks are reserved `reservationStep`
/// at a time — one `fallocate` every two minutes at the live rate, one per two 512 KiB writes
/// under a flood — or just what the bytes need when the disk has less room; what is left past the
/// end is given back at `close`. Should a write still
/// fail part-way (a filesystem that cannot reserve, an I/O error), the file keeps at most one
/// unterminated fragment at its end, and the caller must then stop using it.
final class AppendOnlyFile {
    /// How far past the end blocks are reserved at a time: an `fallocate` costs about two
    /// appends' worth of CPU, and an open file holds at most this much disk it has not used.
    static let reservationStep = 1 << 20

    let path: String
    private var descriptor: Int32
    private(set) var size = 0
    private var canReserve = true
    /// Blocks are reserved up to here (at least `size`).
    private var reservedEnd = 0

    /// Creates `path` holding `firstBytes` (a header line), failing if it already exists; then
    /// syncs the folder so the name survives a crash, before returning or in `background` (after
    /// what it was handed before). The name never appears without those bytes
    /// (`sc_create_file_with`), so a reader never finds an empty file, even after a kill -9.
    init(creating path: String, startingWith firstBytes: [UInt8], permissions: mode_t = 0o640,
         syncingFolderIn background: BackgroundSync? = nil) throws(StorageError) {
        self.path = path
        let folder = AppendOnlyFile.folder(of: path)
        descriptor = firstBytes.withUnsafeBytes { sc_create_file_with(folder, path, $0.baseAddress, $0.count, permissions) }
        guard descriptor >= 0 else { throw StorageError(operation: "create", path: path, code: errno) }
        size = firstBytes.count
        reservedEnd = size
        if let background { background.syncFolder(containing: path) } else { try AppendOnlyFile.syncDirectory(containing: path) }
    }

    /// Appends all of `bytes`, looping on partial writes. On failure, returns how many bytes did
    /// reach the file along with the error.
    func append(_ bytes: UnsafeRawBufferPointer) -> (written: Int, error: StorageError?) {
        if canReserve, size + bytes.count > reservedEnd, let error = reserve(bytes.count) {
            return (0, error)
        }
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                size += written
                return (written, StorageError(operation: "write to", path: path, code: errno))
            }
            written += result
        }
        size += written
        return (written, nil)
    }

    /// Reserves blocks for `count` more bytes, a step ahead when the disk has room; an error only
    /// when it has too little for the bytes themselves.
    private func reserve(_ count: Int) -> StorageError? {
        let needed = size + count
        let stepped = (needed + Self.reservationStep - 1) / Self.reservationStep * Self.reservationStep
        for end in [stepped, needed] {
            switch sc_reserve_space(descriptor, off_t(size), off_t(end - size)) {
            case 0:
                reservedEnd = end
                return nil
            case ENOSPC, EDQUOT:
                continue
            default:
                canReserve = false
                return nil
            }
        }
        return StorageError(operation: "write to", path: path, code: ENOSPC)
    }

    func sync() throws(StorageError) {
        guard fdatasync(descriptor) == 0 else { throw StorageError(operation: "sync", path: path, code: errno) }
    }

    /// Hands a sync of everything appended so far to `background`, through a duplicate of the
    /// descriptor; appending may go on at once.
    func sync(in background: BackgroundSync) throws(StorageError) {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw StorageError(operation: "sync", path: path, code: errno) }
        background.sync(duplicate: duplicate, path: path)
    }

    /// Gives back the blocks reserved past the end and closes the file: syncs it and its folder
    /// before returning, or leaves both to `background`, which owns the descriptor from then on.
    func close(syncingIn background: BackgroundSync? = nil) {
        guard descriptor >= 0 else { return }
        if reservedEnd > size { _ = sc_release_reserved_space(descriptor) }
        let last = descriptor
        descriptor = -1
        if let background { return background.close(last, path: path) }
        AppendOnlyFile.syncAndClose(last, path: path)
    }

    /// The last of a file: `fsync`s and closes `descriptor`, then syncs the folder holding `path`.
    static func syncAndClose(_ descriptor: Int32, path: String) {
        _ = fsync(descriptor)
        _ = Glibc.close(descriptor)
        try? syncDirectory(containing: path)
    }

    deinit { close() }

    private static func folder(of path: String) -> String {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder.isEmpty ? "." : folder
    }

    static func syncDirectory(containing path: String) throws(StorageError) {
        let folder = folder(of: path)
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw StorageError(operation: "open folder", path: folder, code: errno) }
        defer { _ = Glibc.close(directory) }
        guard fsync(directory) == 0 else { throw StorageError(operation: "sync folder", path: folder, code: errno) }
    }
}
