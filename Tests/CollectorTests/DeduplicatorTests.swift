import MarketDecoding
import Testing
@testable import Collector

@Suite struct DeduplicatorTests {
    func identity(_ eventTime: Int64, stream: String = "!assetIndex@arr", symbol: String = "ADAUSD") -> EventIdentity {
        EventIdentity(stream: stream, symbol: symbol, eventTime: eventTime)
    }

    @Test func anEventSeenTwiceIsAdmittedOnce() {
        var deduplicator = Deduplicator()
        let first = deduplicator.admit(identity(1), atMicros: 0)
        #expect(first)
        let repeated = deduplicator.admit(identity(1), atMicros: 10)
        #expect(!repeated)
        let otherSymbol = deduplicator.admit(identity(1, symbol: "BTCUSD"), atMicros: 20)
        #expect(otherSymbol, "another symbol is another event")
        let otherStream = deduplicator.admit(identity(1, stream: "adausd@assetIndex"), atMicros: 30)
        #expect(otherStream, "another stream is another event")
        let otherTime = deduplicator.admit(identity(2), atMicros: 40)
        #expect(otherTime, "another event time is another event")
    }

    @Test func memoryIsBoundedByTheWindowAndTheCapacity() {
        var windowed = Deduplicator(windowMicros: 1_000_000, capacity: 1_000_000)
        for n in 0..<10_000 { _ = windowed.admit(identity(Int64(n)), atMicros: Int64(n) * 1000) }
        #expect(windowed.count <= 1001, "only the last second is remembered")
        let recentRepeat = windowed.admit(identity(9_999), atMicros: 9_999_500)
        #expect(!recentRepeat)

        var capped = Deduplicator(windowMicros: 3_600_000_000, capacity: 500)
        for n in 0..<10_000 { _ = capped.admit(identity(Int64(n)), atMicros: Int64(n)) }
        #expect(capped.count == 500)
        let cappedRepeat = capped.admit(identity(9_999), atMicros: 10_000)
        #expect(!cappedRepeat)
        let forgotten = capped.admit(identity(0), atMicros: 10_001)
        #expect(forgotten, "the oldest were forgotten")
    }
}
