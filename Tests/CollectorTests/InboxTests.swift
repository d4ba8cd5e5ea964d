import Testing
@testable import Collector

/// When the network thread's messages are set going to decoding (`Inbox`): at once after a
/// silence and whenever decoding is already awake; held over a burst's passes only while
/// decoding sleeps, and never past a quiet pass or two, `holdBytes`, or the loop's end.
@Suite struct InboxTests {
    typealias Box = Inbox<Int>
    static let millisecond: Int64 = 1_000_000
    static let start: Int64 = 5_000 * millisecond

    /// An inbox whose last hand-off (drained and decoded) was of a message received at `at`.
    static func afterHandOff(at: Int64) -> Box {
        var inbox = Box()
        inbox.append(0, bytes: 100, receivedAtNanos: at)
        #expect(inbox.passEnded() == .drain)
        #expect(inbox.take() == [0])
        inbox.drainEnded()
        return inbox
    }

    @Test func aMessageAfterASilenceGoesAtOnce() {
        var inbox = Box()
        #expect(inbox.passEnded() == .none)
        inbox.append(1, bytes: 8_900, receivedAtNanos: Self.start)
        #expect(inbox.passEnded() == .drain, "the first message ever")

        var live = Self.afterHandOff(at: Self.start)
        live.append(2, bytes: 8_900, receivedAtNanos: Self.start + 1_000 * Self.millisecond)
        #expect(live.passEnded() == .drain, "a message a second after the last (the live rate)")
    }

    @Test func aBurstIsHeldWhileDecodingSleepsAndGoesAfterTwoQuietPasses() {
        var inbox = Self.afterHandOff(at: Self.start)
        inbox.append(1, bytes: 8_900, receivedAtNanos: Self.start + 80_000)
        #expect(inbox.passEnded() == .hold)
        inbox.append(2, bytes: 8_900, receivedAtNanos: Self.start + 160_000)
        #expect(inbox.passEnded() == .hold, "a pass that brought more")
        #expect(inbox.passEnded() == .hold, "one quiet pass: it may have read only a frame's header")
        inbox.append(3, bytes: 8_900, receivedAtNanos: Self.start + 240_000)
        #expect(inbox.passEnded() == .hold, "more came: the quiet count starts again")
        #expect(inbox.passEnded() == .hold)
        #expect(inbox.passEnded() == .drain, "two quiet passes in a row end the burst")
        #expect(inbox.passEnded() == .none, "the drain is on its way")
        #expect(inbox.take() == [1, 2, 3])
    }

    @Test func heldMessagesGoOnceTheyComeToHoldBytes() {
        var inbox = Self.afterHandOff(at: Self.start)
        var held = 0, bytes = 0, now = Self.start
        while true {
            now += 10_000
            held += 1
            bytes += 8_900
            inbox.append(held, bytes: 8_900, receivedAtNanos: now)
            guard inbox.passEnded() == .hold else { break }
        }
        #expect(bytes >= Box.holdBytes && bytes - 8_900 < Box.holdBytes)
        #expect(inbox.take() == Array(1...held))
    }

    @Test func aBurstThatOutlastsTheWindowGoes() {
        var inbox = Self.afterHandOff(at: Self.start)
        inbox.append(1, bytes: 100, receivedAtNanos: Self.start + Self.millisecond / 2)
        #expect(inbox.passEnded() == .hold)
        inbox.append(2, bytes: 100, receivedAtNanos: Self.start + Self.millisecond)
        #expect(inbox.passEnded() == .drain, "a millisecond since the last hand-off")
    }

    @Test func whileADrainDecodesNothingIsHeld() {
        var inbox = Box()
        inbox.append(1, bytes: 100, receivedAtNanos: Self.start)
        #expect(inbox.passEnded() == .drain)
        inbox.append(2, bytes: 100, receivedAtNanos: Self.start + 10_000)
        #expect(inbox.passEnded() == .none, "queued, not yet taken: it takes this one too")
        #expect(inbox.take() == [1, 2])
        inbox.append(3, bytes: 100, receivedAtNanos: Self.start + 20_000)
        #expect(inbox.passEnded() == .drain, "decoding is awake: queue behind it rather than hold")
        inbox.drainEnded()
        #expect(inbox.take() == [3])
        inbox.drainEnded()
        inbox.append(4, bytes: 100, receivedAtNanos: Self.start + 30_000)
        #expect(inbox.passEnded() == .hold, "asleep again, in the burst")
    }

    @Test func nothingStaysHeldAsTheLoopEnds() {
        var inbox = Self.afterHandOff(at: Self.start)
        inbox.append(1, bytes: 100, receivedAtNanos: Self.start + 10_000)
        #expect(inbox.passEnded() == .hold)
        #expect(inbox.passEnded(loopEnding: true) == .drain)
        #expect(inbox.take() == [1])
    }
}
