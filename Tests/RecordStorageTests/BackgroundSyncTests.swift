import Glibc
import Synchronization
import Testing
@testable import RecordStorage

/// Syncs handed to the background come back to the store's queue: a completed one as its
/// duration, a failed one as the error the store treats as a write failure, each once; and a sync
/// that does not return keeps the heartbeat's probe unanswered.
@Suite struct BackgroundSyncTests {
    @Test func aFailedSyncComesBackOnceWithItsPath() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let background = BackgroundSync()
        // fdatasync refuses a pipe (EINVAL): a failure without a failing disk.
        background.sync(duplicate: ends[1], path: "/data/asset-index/file.ndjson")
        background.waitUntilIdle()
        let first = background.collect()
        #expect(first.durations.isEmpty)
        #expect(first.error?.operation == "sync" && first.error?.path == "/data/asset-index/file.ndjson" && first.error?.code == EINVAL)
        let second = background.collect()
        #expect(second.error == nil && second.durations.isEmpty, "reported once")
        #expect(fcntl(ends[1], F_GETFD) == -1, "the background closed the descriptor it was given")
    }

    @Test func aCompletedSyncComesBackAsItsDuration() throws {
        let path = "/tmp/background-sync-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try #require(descriptor >= 0)
        defer { unlink(path) }
        #expect(write(descriptor, "line\n", 5) == 5)
        let background = BackgroundSync()
        background.sync(duplicate: descriptor, path: path)
        background.waitUntilIdle()
        let result = background.collect()
        #expect(result.error == nil && result.durations.count == 1)
    }

    @Test func aProbeIsAnsweredAtOnceWhenIdleAndOnlyAfterAStuckSyncReturns() throws {
        let background = BackgroundSync()
        let answered = Atomic<Int>(0)
        background.probe { answered.add(1, ordering: .relaxed) }
        #expect(answered.load(ordering: .relaxed) == 1, "idle: answered on the caller's thread")
        // A sync stuck in the kernel, as on a hung disk: work that waits until the test lets it go.
        let release = Mutex(false)
        background.enqueue { while !release.withLock({ $0 }) { usleep(1000) } }
        background.probe { answered.add(1, ordering: .relaxed) }
        usleep(100_000)
        #expect(answered.load(ordering: .relaxed) == 1, "not answered while the sync before it runs")
        release.withLock { $0 = true }
        background.waitUntilIdle()
        #expect(answered.load(ordering: .relaxed) == 2)
    }
}
