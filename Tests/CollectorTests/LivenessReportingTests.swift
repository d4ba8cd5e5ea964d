import Clocks
import Dispatch
import Synchronization
import Testing
@testable import Collector

/// What systemd's watchdog is fed from (`Heartbeat`) and how repeated failures reach the journal
/// (`FailureEpisode`), on a clock the tests move by hand.
@Suite struct LivenessReportingTests {
    final class FakeClock: Sendable {
        private let nanos = Mutex<Int64>(0)
        var now: Int64 { nanos.withLock { $0 } }
        func advance(seconds: Int64) { nanos.withLock { $0 += seconds * 1_000_000_000 } }
    }

    /// A participant on a real serial queue that counts the probes it was sent.
    final class QueueParticipant: Sendable {
        let queue: DispatchQueue
        private let sent = Atomic<Int>(0)
        let name: String
        init(_ name: String) {
            self.name = name
            queue = DispatchQueue(label: name)
        }
        var probes: Int { sent.load(ordering: .relaxed) }
        var participant: Heartbeat.Participant {
            Heartbeat.Participant(name: name) { [self] answer in
                sent.add(1, ordering: .relaxed)
                queue.async(execute: answer)
            }
        }
        /// Waits until everything queued so far has run.
        func drain() { queue.sync {} }
    }

    @Test func aWedgedQueueIsNamedAndTheOthersAreNot() {
        let clock = FakeClock()
        let heartbeat = Heartbeat(now: { clock.now })
        let turning = QueueParticipant("turning"), wedged = QueueParticipant("wedged")
        let gate = DispatchSemaphore(value: 0)
        wedged.queue.async { gate.wait() }
        let participants = [turning.participant, wedged.participant]

        #expect(heartbeat.check(participants, limit: .seconds(2), period: .seconds(1)).isEmpty)
        turning.drain()
        clock.advance(seconds: 3)
        #expect(heartbeat.check(participants, limit: .seconds(2), period: .seconds(1)) == [Heartbeat.Stall(name: "wedged", seconds: 3)])
        turning.drain()
        clock.advance(seconds: 3)
        #expect(heartbeat.check(participants, limit: .seconds(2), period: .seconds(1)) == [Heartbeat.Stall(name: "wedged", seconds: 6)])
        #expect(heartbeat.stalls.map(\.name) == ["wedged"])
        #expect(wedged.probes == 1, "a wedged queue gathers no more than one probe")
        #expect(turning.probes == 3, "a turning queue is probed once per period")

        gate.signal()
        wedged.drain()
        clock.advance(seconds: 1)
        #expect(heartbeat.check(participants, limit: .seconds(2), period: .seconds(1)).isEmpty)
    }

    @Test func aParticipantThatTurnsOnItsOwnIsNotProbedUntilItsTurnsStop() {
        let clock = FakeClock()
        let heartbeat = Heartbeat(now: { clock.now })
        let busy = QueueParticipant("busy")
        let turns = MonotonicStamp()
        let participant = Heartbeat.Participant(name: busy.name, lastTurn: turns, probe: busy.participant.probe)
        for _ in 0..<5 {
            clock.advance(seconds: 1)
            turns.set(clock.now)
            #expect(heartbeat.check([participant], limit: .seconds(3), period: .seconds(2)).isEmpty)
        }
        #expect(busy.probes == 0, "work done within the period stands for an answered probe")

        // The queue wedges inside a piece of work: its last turn ages, a probe goes out, and the
        // stall is counted from the probe, as for a participant that says nothing of its turns.
        let gate = DispatchSemaphore(value: 0)
        busy.queue.async { gate.wait() }
        clock.advance(seconds: 2)
        #expect(heartbeat.check([participant], limit: .seconds(3), period: .seconds(2)).isEmpty)
        #expect(busy.probes == 1)
        clock.advance(seconds: 4)
        #expect(heartbeat.check([participant], limit: .seconds(3), period: .seconds(2)) == [Heartbeat.Stall(name: "busy", seconds: 4)])
        #expect(busy.probes == 1)

        gate.signal()
        busy.drain()
        clock.advance(seconds: 1)
        #expect(heartbeat.check([participant], limit: .seconds(3), period: .seconds(2)).isEmpty)
    }

    @Test func aProbeSentWithinThePeriodIsNotRepeatedAndGoneParticipantsAreForgotten() {
        let clock = FakeClock()
        let heartbeat = Heartbeat(now: { clock.now })
        let first = QueueParticipant("first"), second = QueueParticipant("second")
        heartbeat.check([first.participant, second.participant], limit: .seconds(10), period: .seconds(5))
        first.drain()
        second.drain()
        clock.advance(seconds: 1)
        heartbeat.check([first.participant, second.participant], limit: .seconds(10), period: .seconds(5))
        #expect(first.probes == 1 && second.probes == 1)
        // `second` is gone (a shard removed by a reload): never reported, even with a probe lost.
        let gate = DispatchSemaphore(value: 0)
        first.queue.async { gate.wait() }
        clock.advance(seconds: 5)
        heartbeat.check([first.participant], limit: .seconds(10), period: .seconds(5))
        clock.advance(seconds: 20)
        #expect(heartbeat.check([first.participant], limit: .seconds(10), period: .seconds(5)).map(\.name) == ["first"])
        gate.signal()
        first.drain()
    }

    @Test func anEpisodeIsReportedAtItsStartEveryFewMinutesAndAtItsEnd() {
        var episode = FailureEpisode(summaryIntervalNanos: 300_000_000_000)
        let second: Int64 = 1_000_000_000
        #expect(episode.succeeded(nowNanos: 0) == nil, "no episode, nothing to end")
        #expect(episode.failed(nowNanos: 10 * second) == .started)
        for attempt in 1...20 {
            #expect(episode.failed(nowNanos: (10 + Int64(attempt) * 14) * second) == nil, "attempt \(attempt) is only counted")
        }
        #expect(episode.failed(nowNanos: 310 * second) == .continuing(failures: 22, seconds: 300))
        #expect(episode.failed(nowNanos: 400 * second) == nil)
        #expect(episode.failed(nowNanos: 610 * second) == .continuing(failures: 24, seconds: 600))
        #expect(episode.succeeded(nowNanos: 700 * second) == .ended(failures: 24, seconds: 690))
        #expect(!episode.isOngoing)
        #expect(episode.failed(nowNanos: 800 * second) == .started, "the next failure opens a new episode")
        #expect(FailureEpisode.describe(seconds: 45) == "45 s")
        #expect(FailureEpisode.describe(seconds: 723) == "12 min 3 s")
        #expect(FailureEpisode.describe(seconds: 300) == "5 min")
        #expect(FailureEpisode.describe(seconds: 7500) == "2 h 5 min")
    }

    @Test func anUnsynchronisedHostClockIsNamedWithoutMakingTheCollectorUnhealthy() {
        func health(_ clock: ClockSynchronisation?) -> CollectorHealth {
            CollectorHealth(shards: [], writer: WriterStatus(), stalls: [], stats: CollectorStats.Snapshot(), clock: clock,
                            staleNanos: 1_000_000_000, nowNanos: 0)
        }
        let adrift = health(ClockSynchronisation(synchronised: false, estimatedErrorSeconds: 16, maximumErrorSeconds: 16.25))
        #expect(adrift.healthy)
        #expect(adrift.summary.hasSuffix("; host clock not synchronised (estimated error 16000 ms, at most 16250 ms): recvTime and event lag are only as good as it; run an NTP client (chrony, systemd-timesyncd)"), "\(adrift.summary)")
        let synchronised = health(ClockSynchronisation(synchronised: true, estimatedErrorSeconds: 0.001, maximumErrorSeconds: 0.2))
        #expect(!synchronised.summary.contains("clock"))
        #expect(!health(nil).summary.contains("clock"), "an unreadable state is not reported as a problem")
    }
}
