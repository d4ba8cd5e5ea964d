import CLinux
import Glibc

/// Reads a data file line by line in constant memory, `.ndjson` as it is and `.ndjson.gz`
/// decompressed, without copying lines out of its buffer.
///
/// `next()` returns the next whole line (without its `\n`) as a view into the reader's buffer,
/// valid until the following call. A last line without its `\n` — what a crash mid-write leaves —
/// is not returned as a line: it is reported once as `fragment` when the file ends. A corrupt or
/// truncated `.gz` throws. The file is only ever opened for reading.
public final class DataFileLines {
    public let path: String
    /// 1-based number of the line `next()` returned last.
    public private(set) var lineNumber = 0
    /// Bytes after the last `\n` once the end is reached (an unterminated fragment); 0 otherwise.
    public private(set) var fragmentBytes = 0
    /// Uncompressed bytes consumed so far.
    public private(set) var bytesRead = 0

    private enum Source {
        case plain(Int32)
        case gzip(UnsafeMutableRawPointer)
    }

    private let source: Source
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var finished = false

    /// Opens `path` for reading. Throws when it cannot be opened (missing, unreadable).
    public init(path: String, bufferSize: Int = 1 << 20) throws(StorageError) {
        self.path = path
        if path.hasSuffix(".gz") {
            guard let reader = sc_gunzip_open(path) else { throw StorageError(operation: "open", path: path, code: errno) }
            source = .gzip(reader)
        } else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw StorageError(operation: "open", path: path, code: errno) }
            posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            source = .plain(descriptor)
        }
        buffer = .allocate(capacity: max(4096, bufferSize))
    }

    deinit {
        switch source {
        case .plain(let descriptor): close(descriptor)
        case .gzip(let reader): sc_gunzip_close(reader)
        }
        buffer.deallocate()
    }

    /// The bytes after the last `\n` once `next()` has returned nil (empty when the file ends
    /// with a whole line); valid until the reader is released.
    public var unterminatedFragment: UnsafeBufferPointer<UInt8> {
        finished ? UnsafeBufferPointer(rebasing: buffer[start..<end]) : UnsafeBufferPointer(start: nil, count: 0)
    }

    /// The next whole line, or nil at the end of the file.
    public func next() throws(StorageError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if scanned < end, let newline = findNewline(from: scanned) {
                let line = UnsafeBufferPointer(rebasing: buffer[start..<newline])
                start = newline + 1
                scanned = start
                lineNumber += 1
                return line
            }
            scanned = end
            if finished {
                fragmentBytes = end - start
                return nil
            }
            try refill()
        }
    }

    private func findNewline(from position: Int) -> Int? {
        guard let base = buffer.baseAddress,
              let found = memchr(base + position, 0x0A, end - position) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Moves the unfinished line to the front (growing the buffer when it fills it) and reads more.
    private func refill() throws(StorageError) {
        let pending = end - start
        if start > 0 {
            if pending > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
            start = 0
            end = pending
            scanned = pending
        }
        if end == buffer.count {
            let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: buffer.count * 2)
            memcpy(larger.baseAddress!, buffer.baseAddress!, end)
            buffer.deallocate()
            buffer = larger
        }
        let room = buffer.count - end
        let got: Int
        switch source {
        case .plain(let descriptor):
            got = read(descriptor, buffer.baseAddress! + end, room)
            if got < 0 {
                if errno == EINTR { return }
                throw StorageError(operation: "read", path: path, code: errno)
            }
        case .gzip(let reader):
            got = sc_gunzip_read(reader, buffer.baseAddress! + end, UInt32(room))
            if got < 0 { throw StorageError(operation: "decompress", path: path, code: EILSEQ) }
        }
        if got == 0 { finished = true }
        end += got
        bytesRead += got
    }
}
