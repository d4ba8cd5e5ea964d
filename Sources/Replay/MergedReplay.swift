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
    private var duplicates: DuplicateWindow?
    private let fromMicros: Int64?
    /// Events dropped as duplicates of another directory's.
    public var duplicatesDropped: Int { duplicates?.dropped ?? 0 }
    public let diagnostics: ReplayDiagnostics
    /// Files to read in all (after pruning by time).
    public let fileCount: Int

    /// Lists every directory first: a missing or unreadable directory throws before anything is read.
    public init(directories: [String], query: ReplayQuery, diagnostics: ReplayDiagnostics,
                deduplicationWindowMicros: Int64 = 60_000_000) throws(StorageError) {
        self.diagnostics = diagnostics
        let listed = try directories.map { path throws(StorageError) in try DataDirectory(path: path) }
        self.fromMicros = query.fromMicros
        // Copies received before --from must still hide their later copies: read a window earlier.
        var reading = query
        if listed.count > 1 {
            duplicates = DuplicateWindow(windowMicros: deduplicationWindowMicros)
            reading.fromMicros = query.fromMicros.map { $0 - deduplicationWindowMicros }
        }
        var inputs: [ReplayInput] = []
        for directory in listed {
            for family in directory.families.keys.sorted() where family != "rejected" {
                inputs.append(ReplayInput(rank: inputs.count, files: directory.families[family]!, query: reading, diagnostics: diagnostics))
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
            if duplicates != nil, record.hasEventTime, duplicates!.isRepeat(record) { continue }
            if let fromMicros, record.receivedAtMicros < fromMicros { continue }
            return record
        }
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

/// Identities of the events returned lately: a 128-bit hash of the line without its `recvTime`,
/// forgotten once the merge has moved `windowMicros` past them.
private struct DuplicateWindow {
    private struct Identity: Hashable {
        let first: UInt64
        let second: UInt64
    }

    let windowMicros: Int64
    private var seen: Set<Identity> = []
    private var order: [(micros: Int64, identity: Identity)] = []
    private var oldest = 0
    private(set) var dropped = 0

    init(windowMicros: Int64) { self.windowMicros = windowMicros }

    mutating func isRepeat(_ record: ReplayedRecord) -> Bool {
        forget(before: record.receivedAtMicros - windowMicros)
        var first = LineHash(seed: 0x9E37_79B9_7F4A_7C15, multiplier: 0xFF51_AFD7_ED55_8CCD)
        var second = LineHash(seed: 0xC2B2_AE3D_27D4_EB4F, multiplier: 0xC4CE_B9FE_1A85_EC53)
        let line = record.line
        let skip = record.timeMember ?? line.count..<line.count
        for part in [UnsafeBufferPointer(rebasing: line[..<skip.lowerBound]), UnsafeBufferPointer(rebasing: line[skip.upperBound...])] {
            first.add(part)
            second.add(part)
        }
        let identity = Identity(first: first.value, second: second.value)
        guard seen.insert(identity).inserted else {
            dropped += 1
            return true
        }
        order.append((record.receivedAtMicros, identity))
        return false
    }

    private mutating func forget(before micros: Int64) {
        while oldest < order.count, order[oldest].micros < micros {
            seen.remove(order[oldest].identity)
            oldest += 1
        }
        if oldest > 4096 && oldest * 2 > order.count {
            order.removeFirst(oldest)
            oldest = 0
        }
    }
}

/// A fast 64-bit hash of byte runs, eight bytes at a time (multiply–xorshift mixing).
private struct LineHash {
    private(set) var value: UInt64
    private let multiplier: UInt64

    init(seed: UInt64, multiplier: UInt64) {
        value = seed
        self.multiplier = multiplier
    }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset + 8 <= bytes.count {
            mix(UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = UInt64(bytes.count - offset) << 56
        for index in offset..<bytes.count { tail |= UInt64(base[index]) << (8 * UInt64(index - offset)) }
        mix(tail)
    }

    private mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* multiplier
        value ^= value >> 32
    }
}
