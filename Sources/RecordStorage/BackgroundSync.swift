import Clocks
import Dispatch
import Glibc
import Synchronization

/// Syncs to stable storage beside the writer, so that appending goes on while the disk takes a
/// large sync. Under a flood a second's writes are a few hundred megabytes, and their
/// `fdatasync` (or a rotated file's closing `fsync`) held the writer for 0.1–0.35 s at a time on
/// this kind of machine: the received frames piled up to the in-flight budget and reading stopped.
///
/// Contract:
/// - Work runs in the order it was handed over, on one serial queue: a file's closing `fsync`
///   comes before the syncs of the file that follows it.
/// - It owns the descriptors it is given (a duplicate for a sync, the file's own for a close), so
///   a descriptor number the writer reuses later is never synced or closed by mistake.
/// - Results come back through `collect()`, which the store calls on its own queue: the
///   durations of completed syncs and the first error since the last collection.
/// - `waitUntilIdle()` returns once everything handed over before it has finished.
/// - `probe` lets the heartbeat see a sync that never returns (a disk that hangs), which the
///   writer, going on, no longer shows.
public final class BackgroundSync: Sendable {
    private let queue = DispatchQueue(label: "stream-collector.sync")
    private let results = Mutex<(durations: [Int64], error: StorageError?)>(([], nil))
    /// Pieces of work handed over and not yet finished.
    private let pending = Atomic<Int>(0)

    /// `fdatasync`s and closes `descriptor` (a duplicate of `path`'s).
    func sync(duplicate descriptor: Int32, path: String) {
        enqueue { [self] in
            let started = ContinuousClock.now
            let failed = fdatasync(descriptor) != 0 ? errno : 0
            _ = Glibc.close(descriptor)
            finish(started, failed == 0 ? nil : StorageError(operation: "sync", path: path, code: failed))
        }
    }

    /// `fsync`s and closes `descriptor` (the file's last one), then syncs the folder holding `path`.
    func close(_ descriptor: Int32, path: String) {
        enqueue { AppendOnlyFile.syncAndClose(descriptor, path: path) }
    }

    /// Syncs the folder holding `path` (a file created there).
    func syncFolder(containing path: String) {
        enqueue { try? AppendOnlyFile.syncDirectory(containing: path) }
    }

    /// Runs `answer` behind the work handed over so far; at once, on the calling thread, when
    /// there is none (nothing can be stuck, and an idle queue costs no wake-up).
    public func probe(_ answer: @escaping @Sendable () -> Void) {
        if pending.load(ordering: .acquiring) == 0 { return answer() }
        queue.async(execute: answer)
    }

    /// The durations (ns) of the syncs completed since the last call, and the first failure.
    func collect() -> (durations: [Int64], error: StorageError?) {
        results.withLock { results in
            defer { results = ([], nil) }
            return results
        }
    }

    func waitUntilIdle() { queue.sync {} }

    /// Hands `work` to the queue, counted as pending until it returns.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        pending.add(1, ordering: .releasing)
        queue.async { [self] in
            work()
            pending.subtract(1, ordering: .releasing)
        }
    }

    private func finish(_ started: ContinuousClock.Instant, _ error: StorageError?) {
        let nanoseconds = started.duration(to: .now).inNanoseconds
        results.withLock { results in
            if let error { results.error = results.error ?? error } else { results.durations.append(nanoseconds) }
        }
    }
}
