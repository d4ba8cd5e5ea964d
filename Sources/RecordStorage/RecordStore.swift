import Clocks
import MarketDecoding

/// Appends records to rotating NDJSON files: one file series per `StreamFamily`, in Hive-style
/// folders `<directory>/<family>/date=YYYY-MM-DD/hour=HH/`.
///
/// Promises: whole lines only, appended with `O_APPEND` and looped on partial writes; a new file
/// (with a `collector.file` header) for every rotation, never a rename or truncation; files found
/// at start-up are left exactly as they are. When the disk refuses a write, records wait in a
/// bounded in-memory buffer and are written, in order, once it accepts again; if the buffer
/// overflows, the oldest records are dropped and a `collector.gap` record per family says what
/// was lost, written ahead of the records that survived.
///
/// Time: partitions and file names follow the records' receive times and the wall clock (they
/// are dates); a file's age, the fsync interval and the retry delay are measured on the monotonic
/// clock, so a step of the wall clock neither rotates files early nor stops syncing.
///
/// Not thread-safe: the owner calls it from one serial queue.
public final class RecordStore {
    /// Changes apply from the next write (a smaller size or age limit rotates the open files
    /// then); `directory` cannot change.
    public var configuration: StorageConfiguration {
        willSet { precondition(newValue.directory == configuration.directory, "the output directory cannot change while running") }
    }
    private let report: (StorageEvent) -> Void
    private var series: [StreamFamily: FileSeries] = [:]
    private var pending: [Record] = []
    private var pendingHead = 0
    public private(set) var bufferedBytes = 0
    /// Monotonic nanoseconds.
    private var failure: (since: Int64, retryAt: Int64, delay: Int64)?
    private var drops: [StreamFamily: DropTally] = [:]
    /// Monotonic nanoseconds.
    private var lastSyncNanos: Int64
    /// Where large syncs run, beside the writer (`Heartbeat` probes it).
    public let background = BackgroundSync()

    public init(configuration: StorageConfiguration, report: @escaping (StorageEvent) -> Void) throws(StorageError) {
        self.configuration = configuration
        self.report = report
        lastSyncNanos = MonotonicClock.nowNanoseconds()
        try Directories.create(configuration.directory)
        var lastWritten: Int64?
        for family in StreamFamily.all {
            series[family] = FileSeries(family: family, root: configuration.directory, background: background, report: report)
            guard let tail = TailInspector.newest(under: "\(configuration.directory)/\(family.name)") else { continue }
            lastWritten = max(lastWritten ?? tail.modifiedAtMicros, tail.modifiedAtMicros)
            if tail.fragmentBytes > 0 {
                report(.unterminatedTail(path: tail.path, fragmentBytes: tail.fragmentBytes))
            }
        }
        previousRunLastWriteMicros = lastWritten
    }

    /// When an earlier run last wrote to this directory (the newest file's modification time), or
    /// nil for an empty directory: the start of the time the collector was not running.
    public let previousRunLastWriteMicros: Int64?

    /// The files being written now (at most one per family).
    public var openPaths: Set<String> { Set(series.values.compactMap { $0.current?.file.path }) }

    /// Whether the last attempt to write failed and records are waiting in memory.
    public var isFailing: Bool { failure != nil }

    /// Queues `records` (in order) and writes as many as the disk accepts now.
    public func append(_ records: [Record], now: Moment = .now()) {
        for record in records { bufferedBytes += record.line.count }
        // Usually everything before was written: the batch becomes the queue as it is, without
        // copying (and reference-counting) each record into it.
        if pendingHead == pending.count {
            pending = records
            pendingHead = 0
        } else {
            pending.append(contentsOf: records)
        }
        dropOldestBeyondBuffer()
        flush(now: now)
    }

    /// Periodic housekeeping: retries after a failure, closes files past `rotateSeconds`, and
    /// flushes written data to stable storage every `fsyncIntervalMilliseconds` (a megabyte or
    /// more of it beside the writer, `BackgroundSync`); reports the background's completed syncs.
    public func tick(now: Moment = .now()) {
        collectBackgroundSyncs(now: now)
        flush(now: now)
        for file in series.values { file.closeIfOlder(than: configuration.rotateSeconds, now: now) }
        let interval = Int64(configuration.fsyncIntervalMilliseconds) * 1_000_000
        if interval > 0, now.monotonicNanos - lastSyncNanos >= interval {
            lastSyncNanos = now.monotonicNanos
            for file in series.values {
                let started = ContinuousClock.now
                do {
                    if try file.syncIfDirty() == .done {
                        report(.synced(nanoseconds: started.duration(to: .now).inNanoseconds))
                    }
                } catch {
                    noteFailure(error, now: now)
                }
            }
        }
    }

    /// Syncs and closes the open files, returning once they are on stable storage; the next
    /// records go to new files (SIGHUP's "reopen").
    public func closeFiles() {
        for file in series.values { file.closeCurrent() }
        background.waitUntilIdle()
        collectBackgroundSyncs(now: .now())
    }

    /// Writes what it can, then syncs and closes every open file, returning once they are on
    /// stable storage.
    public func close() {
        failure = nil
        flush(now: .now())
        closeFiles()
    }

    /// Reports the syncs the background finished since the last call; a failed one is a write
    /// failure like any other.
    private func collectBackgroundSyncs(now: Moment) {
        let (durations, error) = background.collect()
        for nanoseconds in durations { report(.synced(nanoseconds: nanoseconds)) }
        if let error { noteFailure(error, now: now) }
    }

    // MARK: - Writing

    /// Lines are gathered into writes of about this size: few system calls, little extra memory,
    /// and a buffer the allocator keeps rather than maps and unmaps (`MallocPolicy`: 1 MiB).
    static let writeChunkBytes = 1 << 19

    private func flush(now: Moment) {
        if let failure, now.monotonicNanos < failure.retryAt { return }
        guard writeDropGaps(now: now) else { return }
        while pendingHead < pending.count {
            let first = pending[pendingHead]
            let partition = Partition(microseconds: first.receivedAtMicros)
            guard let target = series[first.family] else { preconditionFailure("unknown family \(first.family)") }
            let room: Int
            do {
                room = try target.prepare(for: partition, lineBytes: first.line.count, now: now, configuration: configuration)
            } catch {
                noteFailure(error, now: now)
                return
            }
            // Gather the run of records for this file: same family and partition, within `room`.
            // Sized once for what it can take, rather than grown (and copied) by doubling.
            var batch: [UInt8] = []
            batch.reserveCapacity(min(bufferedBytes, Self.writeChunkBytes + first.line.count))
            var lineEnds: [Int] = []
            lineEnds.reserveCapacity(min(pending.count - pendingHead, 4096))
            var index = pendingHead
            while index < pending.count {
                let record = pending[index]
                guard record.family == first.family,
                      record.receivedAtMicros / 3_600_000_000 == first.receivedAtMicros / 3_600_000_000 else { break }
                if !lineEnds.isEmpty && batch.count + record.line.count > room { break }
                batch.append(contentsOf: record.line)
                lineEnds.append(batch.count)
                index += 1
                if batch.count >= min(room, Self.writeChunkBytes) { break }
            }
            let result = target.write(batch, lines: lineEnds.count)
            let whole = lineEnds.prefix { $0 <= result.written }.count
            consume(whole)
            if let error = result.error {
                noteFailure(error, now: now)
                return
            }
        }
        pending = []
        pendingHead = 0
        if failure != nil {
            failure = nil
            report(.writeRecovered)
        }
    }

    private func consume(_ count: Int) {
        for offset in 0..<count { bufferedBytes -= pending[pendingHead + offset].line.count }
        pendingHead += count
        if pendingHead > 4096, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    private func noteFailure(_ error: StorageError, now: Moment) {
        let nanos = now.monotonicNanos
        if let previous = failure {
            let delay = min(previous.delay * 2, 5_000_000_000)
            failure = (previous.since, nanos + delay, delay)
        } else {
            failure = (nanos, nanos + 100_000_000, 100_000_000)
        }
        report(.writeFailed(path: error.path, reason: error.description, firstOfEpisode: failure?.since == nanos))
    }

    private func dropOldestBeyondBuffer() {
        var dropped = 0, droppedBytes = 0
        let firstOfEpisode = drops.isEmpty
        while bufferedBytes > configuration.bufferBytes, pendingHead < pending.count {
            let record = pending[pendingHead]
            droppedBytes += record.line.count
            drops[record.family, default: DropTally(firstMicros: record.receivedAtMicros)].count(record)
            consume(1)
            dropped += 1
        }
        if dropped > 0 { report(.droppedOldest(records: dropped, bytes: droppedBytes, firstOfEpisode: firstOfEpisode)) }
    }

    /// Writes one `collector.gap` per family that lost records; false if the disk still refuses.
    private func writeDropGaps(now: Moment) -> Bool {
        guard !drops.isEmpty else { return true }
        for family in drops.keys.sorted(by: { $0.name < $1.name }) {
            guard let tally = drops[family], let target = series[family] else { continue }
            let gap = tally.gap(family: family)
            let record = gap.record(writtenAtMicros: tally.lastMicros)
            do {
                _ = try target.prepare(for: Partition(microseconds: record.receivedAtMicros), lineBytes: record.line.count,
                                       now: now, configuration: configuration)
            } catch {
                noteFailure(error, now: now)
                return false
            }
            if let error = target.write(Array(record.line), lines: 1).error {
                noteFailure(error, now: now)
                return false
            }
            drops[family] = nil
            report(.gapRecorded(gap))
        }
        return true
    }
}

/// What the buffer dropped from one family during one overflow, until its gap record is written.
private struct DropTally {
    static let maximumStreamsListed = 256

    let firstMicros: Int64
    var lastMicros: Int64 = 0
    var records = 0
    var streams: [String] = []
    private var listed = Set<String>()

    init(firstMicros: Int64) { self.firstMicros = firstMicros }

    mutating func count(_ record: Record) {
        records += 1
        lastMicros = max(lastMicros, record.receivedAtMicros)
        if let stream = record.identity?.stream, listed.count < Self.maximumStreamsListed, listed.insert(stream).inserted {
            streams.append(stream)
        }
    }

    func gap(family: StreamFamily) -> Gap {
        Gap(family: family, streams: streams, fromMicros: firstMicros, toMicros: lastMicros, reason: .bufferOverflow,
            detail: "the disk refused writes for longer than output.buffer_bytes could hold; the oldest records were dropped",
            source: "storage", droppedRecords: records)
    }
}
