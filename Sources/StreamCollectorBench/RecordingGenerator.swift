import Clocks
import MarketDecoding
import RecordStorage

/// Writes a synthetic recording the way the collector would: Binance-shaped frames decoded by the
/// real `FrameDecoder` and stored by the real `RecordStore`, on a simulated clock — one
/// `!assetIndex@arr` frame of every symbol each second plus each symbol's `<symbol>@assetIndex` for the
/// first `individualStreams` symbols, so files, partitions and lines are what a real run leaves.
struct RecordingGenerator {
    var symbols: Int = 40
    var individualStreams: Int = 2
    var startMicros: Int64 = UTCTime.microseconds(iso8601: "2026-11-01T00:00:00Z")!
    /// Receive delay after the event time (what differs between two redundant collectors).
    var receiveDelayMicros: Int64 = 1_500

    /// Generates `seconds` seconds into `directory`; returns the number of event lines written.
    func generate(into directory: String, seconds: Int) throws -> Int {
        let store = try RecordStore(configuration: StorageConfiguration(directory: directory, fsyncIntervalMilliseconds: 0,
                                                                        compressAfterSeconds: nil)) { _ in }
        let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        var prices = (0..<symbols).map { Int64(100_000_000 + $0 * 7_654_321_987) }
        var random = SplitMix(state: 42)
        var lines = 0
        for second in 0..<seconds {
            let eventTime = startMicros / 1000 + Int64(second) * 1000
            var events: [String] = []
            for index in 0..<symbols {
                prices[index] += Int64(random.next() % 2_000_001) - 1_000_000
                events.append(Self.event(symbol: Self.symbol(index), eventTime: eventTime, index: prices[index]))
            }
            let received = eventTime * 1000 + receiveDelayMicros
            var frames = [(stream: "!assetIndex@arr", payload: "[" + events.joined(separator: ",") + "]")]
            for index in 0..<min(individualStreams, symbols) {
                frames.append((StreamCatalog.assetIndex(symbol: Self.symbol(index)), events[index]))
            }
            for (offset, frame) in frames.enumerated() {
                let text = #"{"stream":"\#(frame.stream)","data":\#(frame.payload)}"#
                let outcome = decoder.decode(InboundFrame(payload: Array(text.utf8), isBinary: false,
                                                          receivedAtMicros: received + Int64(offset) * 100, source: "bench"))
                lines += outcome.records.count
                store.append(outcome.records, now: Moment(wallMicros: received, monotonicNanos: received * 1000))
            }
            if second % 60 == 59 { store.tick(now: Moment(wallMicros: received, monotonicNanos: received * 1000)) }
        }
        store.close()
        return lines
    }

    static func symbol(_ index: Int) -> String {
        let known = ["BTCUSD", "ETHUSD", "BNBUSD", "ADAUSD", "XRPUSD", "SOLUSD", "DOGEUSD", "DOTUSD", "LTCUSD", "LINKUSD"]
        return index < known.count ? known[index] : "A\(index)USD"
    }

    /// One `assetIndexUpdate` event as Binance sends it.
    static func event(symbol: String, eventTime: Int64, index: Int64) -> String {
        let price = decimal(index)
        return #"{"e":"assetIndexUpdate","E":\#(eventTime),"s":"\#(symbol)","i":"\#(price)","b":"0.10000000","a":"0.10000000","B":"\#(decimal(index * 9 / 10))","A":"\#(decimal(index * 11 / 10))","q":"0.05000000","g":"0.05000000","Q":"\#(decimal(index * 95 / 100))","G":"\#(decimal(index * 105 / 100))"}"#
    }

    /// Units of 1e-8 as a decimal string with 8 places.
    private static func decimal(_ units: Int64) -> String {
        let fraction = String(units % 100_000_000)
        return "\(units / 100_000_000).\(String(repeating: "0", count: 8 - fraction.count))\(fraction)"
    }
}

/// A small deterministic random generator (SplitMix64), so runs generate the same data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
