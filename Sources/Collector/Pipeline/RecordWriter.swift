import Clocks
import Dispatch
import Logging
import MarketDecoding
import RecordStorage
import Synchronization

/// The storage stage: owns the `RecordStore` and runs every file operation on its own serial
/// queue (on the collector's `Beat` queue, whose timer its housekeeping rides), never on the
/// network thread. After each batch is handed to the store it returns the batch's received bytes
/// to the network loop's budget, which resumes reading if it was paused.
/// Compression and retention (`FileMaintenance`) run on a queue of their own, skipping the files
/// the store has open.
final class RecordWriter: @unchecked Sendable {
    // @unchecked: `store`, `closed` and `housekeepingGeneration` are only touched on `queue`
    // (checked in `publish` and the housekeeping) or before it runs anything (init),
    // `maintenanceTimer` on `maintenanceQueue`; what others read is behind `Mutex`es.
    private let queue: DispatchQueue
    private let beat: Beat
    /// Bumped by a reload: the housekeeping registered before stops riding the beat.
    private var housekeepingGeneration = 0
    private let store: RecordStore
    private let stats: CollectorStats
    private let logger: Logger
    private let published = Mutex(WriterStatus())
    private var closed = false
    private let maintenanceQueue = DispatchQueue(label: "stream-collector.maintenance", qos: .utility)
    private let maintenance: FileMaintenance
    /// The settings maintenance works by (it asks the writer queue for the files open at each pass).
    private let maintenanceConfiguration: Mutex<StorageConfiguration>
    private var maintenanceTimer: DispatchSourceTimer?

    private let closeTimes = CloseTimes()

    /// When an earlier run last wrote to the output directory (nil: it was empty).
    let previousRunLastWriteMicros: Int64?
    /// When the writer queue last began a write or its housekeeping (`Heartbeat`).
    let lastTurn = MonotonicStamp()
    /// Where the store's large syncs run, beside this queue (`Heartbeat` probes it too).
    let background: BackgroundSync

    init(configuration: StorageConfiguration, beat: Beat, stats: CollectorStats, logger: Logger) throws(StorageError) {
        queue = DispatchQueue(label: "stream-collector.writer", target: beat.queue)
        self.beat = beat
        self.stats = stats
        self.logger = logger
        let closeTimes = self.closeTimes
        store = try RecordStore(configuration: configuration) { event in
            if case .fileClosed(let path, _, _) = event { closeTimes.note(path) }
            RecordWriter.log(event, logger: logger, stats: stats)
        }
        previousRunLastWriteMicros = store.previousRunLastWriteMicros
        background = store.background
        maintenanceConfiguration = Mutex(configuration)
        maintenance = FileMaintenance(directory: configuration.directory) { event in
            RecordWriter.log(event, logger: logger, stats: stats)
        }
        scheduleHousekeeping(configuration)
        scheduleMaintenance()
    }

    /// The store's housekeeping (`RecordStore.tick`: retries, rotation by age, fsync) rides the
    /// beat at the fsync interval, between 50 ms and once a second, so an idle collector wakes rarely.
    private func scheduleHousekeeping(_ configuration: StorageConfiguration) {
        let milliseconds = min(1000, max(50, configuration.fsyncIntervalMilliseconds == 0 ? 1000 : configuration.fsyncIntervalMilliseconds))
        housekeepingGeneration += 1
        let generation = housekeepingGeneration
        beat.every(nanoseconds: Int64(milliseconds) * 1_000_000, on: queue) { [weak self] in
            guard let self, !closed, housekeepingGeneration == generation else { return false }
            lastTurn.set()
            store.tick()
            publish()
            return true
        }
    }

    /// A pass one second after start (and after a reload), then every `compress_after_seconds / 4`
    /// (between 1 and 30 s), or every 60 s for retention alone.
    private func scheduleMaintenance() {
        let timer = DispatchSource.makeTimerSource(queue: maintenanceQueue)
        timer.schedule(deadline: .now() + .seconds(1))
        timer.setEventHandler { [unowned self] in
            let configuration = maintenanceConfiguration.withLock { $0 }
            let interval = configuration.compressAfterSeconds.map { min(30, max(1, $0 / 4)) } ?? 60
            maintenanceTimer?.schedule(deadline: .now() + .seconds(interval), leeway: .milliseconds(interval * 100))
            guard configuration.compressAfterSeconds != nil || configuration.retainDays != nil || configuration.retainBytes != nil else { return }
            let closedAt = closeTimes.snapshot(forgettingOlderThan: Int64(configuration.compressAfterSeconds ?? 0) * 2_000_000_000)
            let openPaths = queue.sync { store.openPaths }
            maintenance.run(configuration: configuration, openPaths: openPaths, closedAt: closedAt)
        }
        maintenanceTimer = timer
        timer.resume()
    }

    /// Appends `records` in order; `release` runs on the writer queue once they are with the store.
    func write(_ records: [Record], then release: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            lastTurn.set()
            if !closed {
                store.append(records)
                stats.written(records)
                publish()
            }
            release()
        }
    }

    var status: WriterStatus { published.withLock { $0 } }

    /// Runs `answer` on the writer queue behind the writes already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        queue.async(execute: answer)
    }

    /// Applies new rotation and buffer settings and starts new files (SIGHUP).
    func reconfigure(_ configuration: StorageConfiguration) {
        queue.sync {
            guard !closed else { return }
            store.configuration = configuration
            store.closeFiles()
            publish()
            maintenanceConfiguration.withLock { $0 = configuration }
            scheduleHousekeeping(configuration)
        }
        maintenanceTimer?.schedule(deadline: .now() + .seconds(1))
    }

    private func publish() {
        dispatchPrecondition(condition: .onQueue(queue))
        let status = WriterStatus(failing: store.isFailing, bufferedBytes: store.bufferedBytes)
        published.withLock { $0 = status }
    }

    /// Writes everything queued so far, then syncs and closes the files.
    func close() {
        maintenanceTimer?.cancel()
        queue.sync {
            store.close()
            closed = true
        }
    }

    private static func log(_ event: StorageEvent, logger: Logger, stats: CollectorStats) {
        switch event {
        case .fileOpened(let path):
            logger.debug("opened a file", metadata: ["path": "\(path)"])
        case .fileClosed(let path, let lines, let bytes):
            logger.debug("closed a file (\(lines) lines, \(bytes) bytes)", metadata: ["path": "\(path)"])
        case .unterminatedTail(let path, let bytes):
            logger.warning("a file ends in an unterminated fragment of \(bytes) bytes (an earlier run stopped mid-write); left as it is, readers skip it, writing continues in a new file", metadata: ["path": "\(path)"])
        case .synced(let nanoseconds):
            stats.synced(nanoseconds: nanoseconds)
        case .writeFailed(let path, let reason, let firstOfEpisode):
            stats.writeError()
            guard firstOfEpisode else { return }
            logger.error("writing stopped: \(reason); records are held in memory (up to output.buffer_bytes) and retried", metadata: ["path": "\(path)"])
        case .writeRecovered:
            logger.notice("writing resumed; buffered records written in order")
        case .droppedOldest(let records, let bytes, let firstOfEpisode):
            stats.dropped(records)
            guard firstOfEpisode else { return }
            logger.error("buffer full while the disk refuses writes: dropping the oldest records (\(records) records, \(bytes) bytes so far); a collector.gap record will mark what was dropped")
        case .maintained(let compressed, let deleted, let bytes):
            if compressed > 0 { logger.debug("compressed \(compressed) closed file(s) to .ndjson.gz") }
            if deleted > 0 { logger.info("retention: deleted \(deleted) file(s), \(bytes) bytes (output.retain_days / output.retain_bytes)") }
        case .maintenanceFailed(let error):
            logger.error("file maintenance: \(error); the file is left as it is and retried on the next pass")
        case .gapRecorded(let gap):
            stats.gap(seconds: Double(gap.lengthMicros) / 1e6)
            logger.warning("recorded a \(gap.reason.rawValue) gap of \(gap.droppedRecords ?? 0) \(gap.family) records in the files")
        }
    }
}

/// When this run closed its data files, on the monotonic clock: maintenance ages them by it
/// rather than by their modification time, which a step of the wall clock would distort.
private final class CloseTimes: Sendable {
    private let times = Mutex<[String: Int64]>([:])

    func note(_ path: String) {
        let now = MonotonicClock.nowNanoseconds()
        times.withLock { $0[path] = now }
    }

    /// Every close time, once those older than `nanoseconds` (long past any grace) are forgotten.
    func snapshot(forgettingOlderThan nanoseconds: Int64) -> [String: Int64] {
        let now = MonotonicClock.nowNanoseconds()
        return times.withLock { times in
            times = times.filter { now - $0.value < nanoseconds }
            return times
        }
    }
}
