@testable import MarketDecoding
import Testing

@Suite struct DeduplicatorTests {
    func identity(_ eventTime: Int64, stream: String = "!assetIndex@arr", symbol: String = "ADAUSD") -> Fingerprint {
        EventIdentity(stream: stream, symbol: symbol, eventTime: eventTime).key
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

    @Test func identitiesDifferWhereverTheirNamesOrTimesDiffer() {
        #expect(identity(1, stream: "ab", symbol: "c") != identity(1, stream: "a", symbol: "bc"))
        #expect(identity(1, stream: "abcdefgh", symbol: "") != identity(1, stream: "abcdefg", symbol: "h"))
        #expect(identity(1) != identity(-1) && identity(0) != identity(.min))
        let name = Array("btcusdt@assetIndex:12".utf8)
        var keys = Set([identity(1, stream: String(decoding: name, as: UTF8.self))])
        for position in name.indices {
            var changed = name
            changed[position] ^= 0x01
            keys.insert(identity(1, stream: String(decoding: changed, as: UTF8.self)))
        }
        #expect(keys.count == name.count + 1, "one byte changed anywhere is another series")
        var runs = Set<Fingerprint>()
        for length in 0...17 {
            var fingerprint = Fingerprint()
            [UInt8](repeating: 0, count: length).withUnsafeBufferPointer { fingerprint.add($0) }
            runs.insert(fingerprint)
        }
        #expect(runs.count == 18, "runs of zeros of different lengths differ")
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

    @Test func aFullTableForgetsBeforeItGrows() {
        // 512 identities fit a 1024-slot table at half load; the 513th must not double it.
        var full = Deduplicator(windowMicros: 3_600_000_000, capacity: 512)
        for n in 0..<5_000 { _ = full.admit(identity(Int64(n)), atMicros: Int64(n)) }
        #expect(full.count == 512)
        #expect(full.tableSlots == 1024)
        let newest = (4_488..<5_000).map { full.admit(identity(Int64($0)), atMicros: 5_000) }
        #expect(newest.allSatisfy { !$0 }, "the last 512 are remembered, in the order they came")
        let oldest = full.admit(identity(4_487), atMicros: 5_001)
        #expect(oldest, "the one before them was forgotten")
        let evicted = full.admit(identity(4_488), atMicros: 5_002)
        #expect(evicted, "making room for 4 487 forgot the oldest, 4 488")
    }
}

/// The deduplicator's table against the standard library's Set, with fingerprints crowded into a
/// few home slots so that probe runs wrap around the table, cross each other and are cut by removals.
@Suite struct FingerprintSetTests {
    @Test func agreesWithSetUnderCrowdedInsertsAndRemovals() {
        var generator = SystemRandomNumberGenerator()
        var table = FingerprintSet(minimumCapacity: 4)
        var model = Set<Fingerprint>()
        // Homes are the low bits of `first`: 0, 1, 15 and 16 (the last two wrap in a 16-slot table).
        // All keys distinct, and none is (0, 1), the all-zero key's stand-in.
        let pool = (0..<60).map { n in Fingerprint(first: UInt64([0, 1, 15, 16][n % 4]) | UInt64(n) << 40, second: 1000 + UInt64(n)) }
            + [Fingerprint(first: 0, second: 0)]
        for step in 0..<20_000 {
            let key = pool.randomElement(using: &generator)!
            if Bool.random(using: &generator) || step < 40 {
                #expect(table.insert(key) == model.insert(key).inserted, "insert at step \(step)")
            } else {
                table.remove(key)
                model.remove(key)
            }
            #expect(table.count == model.count)
        }
        for key in pool {
            #expect(!table.insert(key) == model.contains(key), "membership of \(key)")
        }
    }
}
