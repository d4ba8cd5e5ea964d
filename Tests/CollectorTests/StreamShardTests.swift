import Clocks
import Foundation
import Logging
import MarketDecoding
import Testing
@testable import Collector
@testable import WebSocketTransport

/// The shard's rules, on a fake transport and a clock the test moves: renewal, the overlap proof,
/// the watchdog, outages and their gaps, reloads, and indifference to steps of the wall clock.
/// No sockets, no sleeping: each test runs in milliseconds.
@Suite struct StreamShardTests {
    /// One shard with its fakes.
    final class Harness {
        let runtime = ManualRuntime()
        let transport: FakeTransport
        let output = RecordingOutput()
        let stats = CollectorStats()
        let shard: StreamShard

        init(streams: [String] = ["!assetIndex@arr", "btcusd@assetIndex"], downSinceMicros: Int64? = nil) {
            transport = FakeTransport(clock: runtime)
            let settings = StreamShard.Settings(staleAfterSeconds: 10, subscribeIntervalMilliseconds: 300,
                                                reconnectInitialDelayMilliseconds: 500, reconnectMaxDelayMilliseconds: 30_000,
                                                renewAfterSeconds: 100, replacementDeadlineSeconds: 20)
            shard = StreamShard(label: "market-1", streams: streams, target: try! NetworkTarget(url: "ws://127.0.0.1:9/market/stream", accepting: NetworkTarget.Scheme.webSocket),
                                settings: settings, transport: transport, output: output, runtime: runtime,
                                throttle: AttemptThrottle(minimumSpacingMilliseconds: 1000), stats: stats,
                                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                downSinceMicros: downSinceMicros, afterGap: { _ in })
            shard.start()
            runtime.run()
        }

        /// The server accepts `connection` and answers its SUBSCRIBE requests.
        func subscribe(_ connection: Int) {
            transport.accept(connection)
            runtime.run()
            transport.acknowledge(connection)
            runtime.run()
        }

        /// A shard whose first connection went live and has delivered an event a second since.
        static func live(afterSeconds seconds: Int) -> Harness {
            let harness = Harness()
            harness.goLive(0)
            harness.flow([0], seconds: seconds)
            return harness
        }

        /// Subscribed, then its first event.
        func goLive(_ connection: Int) {
            subscribe(connection)
            data(connection)
        }

        func data(_ connection: Int) {
            transport.data(connection)
            runtime.run()
        }

        /// `seconds` of one event a second on each of `connections`.
        func flow(_ connections: [Int], seconds: Int) {
            for _ in 0..<seconds {
                runtime.advance(seconds: 1)
                for connection in connections { data(connection) }
            }
        }

        var reconnects: [String: Int] { stats.snapshot.reconnects }
    }

    @Test func renewalOpensTheReplacementFirstAndClosesTheOldOnceTheReplacementIsLive() {
        let harness = Harness()
        #expect(harness.transport.opened == 1)
        harness.goLive(0)
        harness.flow([0], seconds: 98)
        #expect(harness.transport.opened == 1, "not renewed before renew_after_seconds")
        harness.flow([0], seconds: 4)
        #expect(harness.transport.opened == 2, "the replacement is opened at renew_after_seconds")
        #expect(harness.transport.closed.isEmpty, "the old connection stays while the replacement subscribes")
        harness.subscribe(1)
        harness.flow([0, 1], seconds: 2)
        #expect(harness.transport.closed.map(\.connection) == [0] && harness.transport.closed.first?.reason == "renewed")
        #expect(harness.output.gaps.isEmpty)
        #expect(harness.stats.snapshot.renewals == 1)
        harness.flow([1], seconds: 30)
        #expect(harness.transport.opened == 2 && harness.reconnects.isEmpty, "the replacement is now the connection")
    }

    @Test func aReplacementTakesOverOnlyOnceTheOldConnectionHasCaughtUp() {
        let harness = Harness.live(afterSeconds: 101)
        harness.runtime.advance(seconds: 0.5)
        harness.goLive(1)  // the replacement's first event is newer than the old one's last
        harness.runtime.advance(seconds: 1)
        #expect(harness.transport.closed.isEmpty, "no overlap proven yet: the old connection stays")
        harness.data(0)
        harness.runtime.advance(seconds: 1)
        #expect(harness.transport.closed.map(\.connection) == [0])
        #expect(harness.output.gaps.isEmpty)
    }

    @Test func anOldConnectionThatLagsIsCutAndWhatItMissedIsAGap() throws {
        let harness = Harness.live(afterSeconds: 101)
        let oldLast = harness.runtime.now
        harness.runtime.advance(seconds: 0.5)
        harness.goLive(1)
        let replacementLive = harness.runtime.now
        harness.flow([1], seconds: 2)
        #expect(harness.transport.closed.isEmpty, "the old connection gets 2.5 s to catch up")
        harness.flow([1], seconds: 1)
        #expect(harness.transport.closed.map(\.connection) == [0])
        let gap = try #require(harness.output.gaps.first)
        #expect(harness.output.gaps.count == 1)
        #expect(gap["reason"] as? String == "connection-lost")
        #expect((gap["detail"] as? String)?.contains("fell silent before its replacement") == true)
        #expect(gap["from"] as? String == UTCTime(microsecondsSinceEpoch: oldLast.wallMicros).iso8601)
        #expect(gap["to"] as? String == UTCTime(microsecondsSinceEpoch: replacementLive.wallMicros).iso8601)
    }

    @Test func silenceWakesTheWatchdogOnlyForTickingStreams() {
        let sparse = Harness(streams: ["!contractInfo"])
        sparse.subscribe(0)
        sparse.runtime.advance(seconds: 90)
        #expect(sparse.transport.closed.isEmpty && sparse.transport.opened == 1, "!contractInfo may be silent for days")

        let ticking = Harness()
        ticking.goLive(0)
        ticking.runtime.advance(seconds: 9)
        #expect(ticking.transport.closed.isEmpty)
        ticking.runtime.advance(seconds: 2)
        #expect(ticking.transport.closed.map(\.reason) == ["stale"])
        #expect(ticking.reconnects == ["stale": 1])
        ticking.runtime.advance(seconds: 2)
        #expect(ticking.transport.opened == 2, "reconnected after the backoff")
    }

    @Test func anAcknowledgedButSilentSubscriptionIsCalledOut() {
        let harness = Harness()
        harness.subscribe(0)
        harness.runtime.advance(seconds: 11)
        #expect(harness.transport.closed.map(\.reason) == ["acknowledged-but-silent"])
        #expect(harness.reconnects == ["acknowledged-but-silent": 1])
    }

    @Test func anOutageEndsAtTheLiveMomentAndItsGapIsWrittenThen() throws {
        let harness = Harness.live(afterSeconds: 3)
        let lastData = harness.runtime.now
        harness.runtime.advance(seconds: 0.4)
        harness.transport.end(0, .closedByServer(code: 1001, reason: "going away"))
        harness.runtime.run()
        #expect(harness.reconnects == ["server-close-1001": 1])
        harness.runtime.advance(seconds: 1)
        #expect(harness.transport.opened == 2)
        harness.subscribe(1)
        #expect(harness.output.gaps.isEmpty, "subscribed but no event yet: not live")
        harness.runtime.advance(seconds: 0.3)
        harness.data(1)  // no tick in between: the gap is written at the live moment itself
        let live = harness.runtime.now
        let gap = try #require(harness.output.gaps.first)
        #expect(gap["from"] as? String == UTCTime(microsecondsSinceEpoch: lastData.wallMicros).iso8601)
        #expect(gap["to"] as? String == UTCTime(microsecondsSinceEpoch: live.wallMicros).iso8601)
        #expect(gap["seconds"] as? Double == Double(live.nanoseconds(since: lastData) / 1_000_000) / 1000)
        #expect((gap["streams"] as? [String]) == ["!assetIndex@arr", "btcusd@assetIndex"])
    }

    @Test func aReloadChangesSubscriptionsOnTheOpenConnection() {
        let harness = Harness()
        harness.goLive(0)
        harness.shard.update(streams: ["!assetIndex@arr", "ethusd@assetIndex"])
        harness.runtime.run()
        let changes = harness.transport.sent.dropFirst().map { "\($0.connection) \($0.method) \($0.params)" }
        #expect(changes == [#"0 UNSUBSCRIBE ["btcusd@assetIndex"]"#, #"0 SUBSCRIBE ["ethusd@assetIndex"]"#])
        #expect(harness.transport.opened == 1)
        #expect(harness.shard.status.streams == ["!assetIndex@arr", "ethusd@assetIndex"])
    }

    /// Steps of the wall clock — an hour ahead, a day ahead, 7 s back — mid-capture: one
    /// connection throughout, no reconnect, no gap, and the renewal still at its monotonic age.
    @Test func aWallClockStepChangesNothingButTheDates() {
        let harness = Harness.live(afterSeconds: 5)
        harness.runtime.stepWallClock(seconds: 3600)
        harness.flow([0], seconds: 5)
        harness.runtime.stepWallClock(seconds: 86_400)
        harness.flow([0], seconds: 5)
        harness.runtime.stepWallClock(seconds: -7)
        harness.flow([0], seconds: 5)
        #expect(harness.transport.opened == 1 && harness.transport.closed.isEmpty)
        #expect(harness.reconnects.isEmpty && harness.output.gaps.isEmpty)
        harness.runtime.stepWallClock(seconds: -86_400 * 2)  // far back: the 24-hour cut must not be missed
        harness.flow([0], seconds: 78)
        #expect(harness.transport.opened == 1, "not renewed before 100 s on the monotonic clock")
        harness.flow([0], seconds: 4)
        #expect(harness.transport.opened == 2, "renewed at 100 s on the monotonic clock")
    }

    /// An outage across a step: `from`/`to` are the wall-clock dates as read, `seconds` the real length.
    @Test func aGapAcrossAStepStatesItsRealLength() throws {
        let harness = Harness.live(afterSeconds: 2)
        let lastData = harness.runtime.now
        harness.transport.end(0, .connectionLost)
        harness.runtime.run()
        harness.runtime.stepWallClock(seconds: 3600)
        harness.runtime.advance(seconds: 1)
        harness.goLive(1)
        let live = harness.runtime.now
        let gap = try #require(harness.output.gaps.first)
        let seconds = try #require(gap["seconds"] as? Double)
        #expect(abs(seconds - Double(live.nanoseconds(since: lastData)) / 1e9) < 0.002, "the monotonic length, not the hour the clock jumped")
        #expect(gap["to"] as? String == UTCTime(microsecondsSinceEpoch: live.wallMicros).iso8601)
        #expect(live.wallMicros - lastData.wallMicros > 3_600_000_000)
    }

    @Test func aDowntimeFoundAtStartIsAGapOnTheWallClock() throws {
        let earlier = ManualRuntime().now.wallMicros - 90_000_000
        let harness = Harness(downSinceMicros: earlier)
        harness.goLive(0)
        let gap = try #require(harness.output.gaps.first)
        #expect(gap["reason"] as? String == "collector-down")
        #expect(gap["seconds"] as? Double == 90)
    }
}

/// Steps of the wall clock against the monotonic one.
@Suite struct ClockStepDetectorTests {
    @Test func aStepIsNoticedAndSlewingIsNot() {
        var detector = ClockStepDetector()
        var now = Moment(wallMicros: 1_795_268_300_000_000, monotonicNanos: 1_000_000_000)
        #expect(detector.observe(now) == nil)
        for _ in 0..<100 {  // NTP slewing: half a millisecond a second
            now = Moment(wallMicros: now.wallMicros + 1_000_500, monotonicNanos: now.monotonicNanos + 1_000_000_000)
            #expect(detector.observe(now) == nil)
        }
        now = Moment(wallMicros: now.wallMicros + 3_601_000_000, monotonicNanos: now.monotonicNanos + 1_000_000_000)
        #expect(detector.observe(now) == 3_600_000_000)
        now = Moment(wallMicros: now.wallMicros - 6_000_000, monotonicNanos: now.monotonicNanos + 1_000_000_000)
        #expect(detector.observe(now) == -7_000_000)
        now = now.advanced(byNanoseconds: 1_000_000_000)
        #expect(detector.observe(now) == nil)
    }
}
