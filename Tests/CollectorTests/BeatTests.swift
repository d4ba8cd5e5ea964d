import Dispatch
import Synchronization
import Testing
@testable import Collector

/// The collector's one periodic timer (`Beat`): what rides it runs on its queue, together, and
/// stops when it says so.
@Suite struct BeatTests {
    /// What the entries saw, in the order they ran.
    final class Log: Sendable {
        private let lines = Mutex<[String]>([])
        func note(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func workAtEqualIntervalsRunsTogetherOnTheQueueAndStopsWhenItSaysSo() async throws {
        let beat = Beat()
        let log = Log()
        let child = DispatchQueue(label: "child", target: beat.queue)
        let stopAfter = Atomic(3)
        beat.every(nanoseconds: 50_000_000) {
            dispatchPrecondition(condition: .onQueue(beat.queue))
            log.note("a")
            return stopAfter.subtract(1, ordering: .relaxed).newValue > 0
        }
        beat.every(nanoseconds: 50_000_000) {
            // Work hopping onto a queue that targets the beat's runs in the same turn, before the next entry's beat.
            child.async { log.note("b") }
            return true
        }
        var waited = 0
        while log.all.filter({ $0 == "b" }).count < 6, waited < 200 {
            try await Task.sleep(for: .milliseconds(25))
            waited += 1
        }
        let lines = log.all
        #expect(lines.filter { $0 == "a" }.count == 3, "the first entry stopped after returning false: \(lines)")
        #expect(Array(lines.prefix(6)) == ["a", "b", "a", "b", "a", "b"], "both entries run at every beat, in order: \(lines)")
        #expect(lines.dropFirst(6).allSatisfy { $0 == "b" })
    }
}
