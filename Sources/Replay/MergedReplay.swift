import MarketDecoding
import RecordStorage

/// The records of one or more data directories as one sequence ordered by receive time: a k-way
/// merge over every (directory, family) sequence of files, in constant memory.
///
/// Each family's files are read in the order they were written, so within one file the file's
/// order (the order of receipt) is kept. Equal times go to the directory named first. With more
/// than one directory, an event recorded by several collectors — the same line but for its
/// `recvTime` — is returned once, the first time it is seen; identities are remembered for
/// `deduplicationWindowMicros` of receive time, and a copy received before the query's start still
/// hides a later one.
public final class MergedReplay {
    private var heap: [ReplayInput] = []
    private var current: ReplayInput?
    /// Fingerprints of the lines returned lately, without their `recvTime`.
    private var duplicates: Deduplicator?
    private let fromMicros: Int64?
    /// Events dropped as duplicates of another directory's.
    public private(set) var duplicatesDropped = 0
    public let diagnostics: ReplayDiagnostics
    /// Files to read in all (after pruning by time).
    public let fileCount: Int

    /// Lists every directory first: a missing or unreadable directory throws before anything is read.
    /// `readBufferBytes` is the buffer of each open file (one per directory and family).
    public init(directories: [String], query: ReplayQuery, diagnostics: ReplayDiagnostics,
                deduplicationWindowMicros: Int64 = 60_000_000, readBufferBytes: Int = 1 << 20) throws(StorageError) {
        self.diagnostics = diagnostics
        let listed = try directories.map { path throws(StorageError) in try DataDirectory(path: path) }
        self.fromMicros = query.fromMicros
        // Copies received before --from must still hide their later copies: read a window earlier.
        var reading = query
        if listed.count > 1 {
            duplicates = Deduplicator(windowMicros: deduplicationWindowMicros, capacity: .max)
            reading.fromMicros = query.fromMicros.map { $0 - deduplicationWindowMicros }
        }
        var inputs: [ReplayInput] = []
        for directory in listed {
            for family in directory.families.keys.sorted() where family != "rejected" {
                inputs.append(ReplayInput(rank: inputs.count, files: directory.families[family]!, query: reading, diagnostics: diagnostics,
                                          readBufferBytes: readBufferBytes))
            }
        }
        fileCount = inputs.reduce(0) { $0 + $1.fileCount }
        for input in inputs where input.advance() { push(input) }
    }

    /// The next record in time order, or nil at the end. The record stays valid until the next call.
    public func next() -> ReplayedRecord? {
        while true {
            if let current {
                self.current = nil
                if current.advance() { push(current) }
            }
            guard let input = popFirst() else { return nil }
            current = input
            let record = input.head!
            if duplicates != nil, record.hasEventTime, !duplicates!.admit(Self.fingerprint(record), atMicros: record.receivedAtMicros) {
                duplicatesDropped += 1
                continue
            }
            if let fromMicros, record.receivedAtMicros < fromMicros { continue }
            return record
        }
    }

    /// The line without its `recvTime` member: what two collectors' copies of an event share.
    private static func fingerprint(_ record: ReplayedRecord) -> Fingerprint {
        let line = record.line
        let skip = record.timeMember ?? line.count..<line.count
        var fingerprint = Fingerprint()
        fingerprint.add(UnsafeBufferPointer(rebasing: line[..<skip.lowerBound]))
        fingerprint.add(UnsafeBufferPointer(rebasing: line[skip.upperBound...]))
        return fingerprint
    }

    // MARK: - Binary heap by (time, rank)

    private static func precedes(_ left: ReplayInput, _ right: ReplayInput) -> Bool {
        let leftTime = left.head!.receivedAtMicros, rightTime = right.head!.receivedAtMicros
        return leftTime != rightTime ? leftTime < rightTime : left.rank < right.rank
    }

    private func push(_ input: ReplayInput) {
        heap.append(input)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func popFirst() -> ReplayInput? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, Self.precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.precedes(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
