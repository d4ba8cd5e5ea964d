import Clocks
import Dispatch
import Synchronization
import Testing
import WebSocketTransport
@testable import Collector

/// The collector's one periodic clock (`Beat`), driven here as the network thread drives it: what
/// rides it runs on its queue, together, and stops when it says so; beats ride messages near
/// their time, and the timer covers silences.
@Suite struct BeatTests {
    /// What the entries saw, in the order they ran.
    final class Log: Sendable {
        private let lines = Mutex<[String]>([])
        func note(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
        func take() -> [String] {
            lines.withLock { lines in
                defer { lines.removeAll() }
                return lines
            }
        }
    }

    /// How often the beat asked for a new schedule.
    final class Changes: Sendable {
        private let count = Atomic(0)
        func note() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    static let second: Int64 = 1_000_000_000

    /// A beat with one entry a second that notes `name` at every run, as the loop starts it.
    static func beat(noting name: String = "a", in log: Log, changes: Changes = Changes()) -> (Beat, start: Int64, PaceSchedule) {
        let beat = Beat { changes.note() }
        let start = MonotonicClock.nowNanoseconds()
        beat.every(nanoseconds: second) {
            log.note(name)
            return true
        }
        return (beat, start, beat.pace(nowNanos: start, because: .schedule))
    }

    @Test func workAtEqualIntervalsRunsTogetherOnTheQueueAndStopsWhenItSaysSo() {
        let changes = Changes()
        let beat = Beat { changes.note() }
        let log = Log()
        let child = DispatchQueue(label: "child", target: beat.queue)
        let stopAfter = Atomic(3)
        let start = MonotonicClock.nowNanoseconds()
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
        #expect(changes.value == 1, "the first entry set the period; the second, equal, did not change it")
        var schedule = beat.pace(nowNanos: start, because: .schedule)
        for _ in 0..<5 {
            schedule = beat.pace(nowNanos: schedule.deadlineNanos, because: .deadline)
            beat.queue.sync {}
        }
        child.sync {}
        let lines = log.all
        #expect(Array(lines.prefix(6)) == ["a", "b", "a", "b", "a", "b"], "both entries run at every beat, in order: \(lines)")
        #expect(lines.dropFirst(6) == ["b", "b"], "the first entry stopped after returning false: \(lines)")
        #expect(changes.value == 1, "the period stays: the other entry has the same interval")
    }

    @Test func aMessageNearTheBeatCarriesItAndTheTimerCoversSilence() {
        let log = Log()
        let (beat, start, first) = Self.beat(in: log)
        #expect(first == PaceSchedule(messagesFromNanos: start + Self.second * 9 / 10, deadlineNanos: start + Self.second * 11 / 10),
                "messages may carry the beat from a tenth of a period before it is due, the timer a tenth after")
        // A message before that changes nothing (the loop would not even call).
        #expect(beat.pace(nowNanos: start + Self.second / 2, because: .message) == first)
        beat.queue.sync {}
        #expect(log.take().isEmpty)
        // One a little early carries the beat, and keeps its phase.
        let early = start + Self.second * 95 / 100
        let next = beat.pace(nowNanos: early, because: .message)
        beat.queue.sync {}
        #expect(log.take() == ["a"])
        #expect(next.deadlineNanos == start + 2 * Self.second + Self.second / 10)
        // Silence: the timer beats a tenth late, a period apart, every time.
        var schedule = next
        for beatNumber in 2...4 {
            let due = start + Int64(beatNumber) * Self.second
            #expect(schedule.deadlineNanos == due + Self.second / 10)
            schedule = beat.pace(nowNanos: schedule.deadlineNanos, because: .deadline)
            beat.queue.sync {}
            #expect(log.take() == ["a"], "beat \(beatNumber)")
            #expect(schedule.messagesFromNanos == .min, "after a timer beat, the next message is wanted at once")
        }
    }

    @Test func afterATimerBeatTheNextMessageSetsThePhase() {
        let log = Log()
        let (beat, start, first) = Self.beat(in: log)
        _ = beat.pace(nowNanos: first.deadlineNanos, because: .deadline)
        beat.queue.sync {}
        #expect(log.take() == ["a"])
        // Frames arrive at .5 past each second: the first after the timer moves the beat onto them.
        let frame = start + Self.second + Self.second / 2
        let moved = beat.pace(nowNanos: frame, because: .message)
        beat.queue.sync {}
        #expect(log.take().isEmpty, "moving the phase runs nothing")
        #expect(moved == PaceSchedule(messagesFromNanos: frame + Self.second * 9 / 10, deadlineNanos: frame + Self.second * 11 / 10))
        // From then on each frame carries a beat, and the timer never comes due.
        var schedule = moved
        for offset in 1...5 {
            let arrival = frame + Int64(offset) * Self.second + (offset.isMultiple(of: 2) ? 3_000_000 : -3_000_000)
            #expect(arrival >= schedule.messagesFromNanos && arrival < schedule.deadlineNanos, "frame \(offset)")
            schedule = beat.pace(nowNanos: arrival, because: .message)
            beat.queue.sync {}
            #expect(log.take() == ["a"], "frame \(offset)")
        }
    }

    @Test func aShorterIntervalShortensThePeriodAndLongerEntriesSkipBeats() {
        let changes = Changes()
        let log = Log()
        let (beat, start, _) = Self.beat(noting: "second", in: log, changes: changes)
        #expect(changes.value == 1)
        beat.every(nanoseconds: Self.second / 4) {
            log.note("quarter")
            return true
        }
        #expect(changes.value == 2, "a shorter interval asks for a new schedule")
        var schedule = beat.pace(nowNanos: start, because: .schedule)
        #expect(schedule.deadlineNanos == start + Self.second / 4 + Self.second / 40)
        for _ in 0..<8 {
            schedule = beat.pace(nowNanos: schedule.deadlineNanos, because: .deadline)
        }
        beat.queue.sync {}
        let lines = log.all
        #expect(lines.filter { $0 == "quarter" }.count == 8, "\(lines)")
        #expect(lines.filter { $0 == "second" }.count == 2, "once a second over two seconds of quarter beats: \(lines)")
    }

    @Test func withNothingRegisteredThereIsNothingToCall() {
        let beat = Beat {}
        #expect(beat.pace(nowNanos: MonotonicClock.nowNanoseconds(), because: .schedule) == .never)
    }
}
