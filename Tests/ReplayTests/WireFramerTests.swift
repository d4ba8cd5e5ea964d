import Clocks
import Foundation
import MarketDecoding
import RecordStorage
import Replay
import Testing

/// Records stored by the real store, replayed and turned back into frames: the frames must be the
/// ones that were received, byte for byte, with `!assetIndex@arr` elements regrouped.
@Suite struct WireFramerTests {
    static let arrayFrame = #"[{"e":"assetIndexUpdate","E":1795268300000,"s":"BTCUSD","i":"91235.46922539","b":"0.10000000","a":"0.10000000","B":"82111.92230286","A":"100359.01614792","q":"0.05000000","g":"0.05000000","Q":"86673.69576413","G":"95797.24268665"},{"e":"assetIndexUpdate","E":1795268300000,"s":"ADAUSD","i":"0.27462452","b":"0","a":"0","B":"0","A":"0","q":"0","g":"0","Q":"0","G":"0","z":{"new":[1,2]}}]"#
    static let received: [(stream: String, payload: String)] = [
        ("!assetIndex@arr", arrayFrame),
        ("btcusd@assetIndex", #"{"e":"assetIndexUpdate","E":1795268300001,"s":"BTCUSD","i":"91235.46922539","b":"0.10000000","a":"0.10000000","B":"82111.92230286","A":"100359.01614792","q":"0.05000000","g":"0.05000000","Q":"86673.69576413","G":"95797.24268665"}"#),
        ("!contractInfo", #"{"e":"contractInfo","E":1669356423908,"s":"IOTAUSDT","ps":"IOTAUSDT","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"TRADING","bks":[{"bs":1,"bnf":0,"bnc":5000,"mmr":0.01,"cf":0,"mi":21,"ma":50},{"bs":2,"bnf":5000,"bnc":25000,"mmr":0.025,"cf":75,"mi":11,"ma":20}]}"#),
        ("!contractInfo", #"{"e":"contractInfo","E":1769356423908,"s":"BTCUSD_PERP","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"PRE_DELIVERING","st":2,"new":"kept"}"#),
        ("btcusdt@markPrice", #"{"e":"markPriceUpdate","E":1700000000000,"s":"BTCUSDT","p":"1.0"}"#),
        ("!assetIndex@arr", #"[{"e":"assetIndexUpdate","E":1795268301000,"s":"BTCUSD","i":"1","b":"2","a":"3","B":"4","A":"5","q":"6","g":"7","Q":"8","G":"9"}]"#),
    ]

    @Test func replayedRecordsBecomeTheFramesThatWereReceived() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wire-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RecordStore(configuration: StorageConfiguration(directory: directory, compressAfterSeconds: nil)) { _ in }
        let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        let start = try #require(UTCTime.microseconds(iso8601: "2026-11-21T13:38:20.000000Z"))
        for (offset, frame) in Self.received.enumerated() {
            let text = #"{"stream":"\#(frame.stream)","data":\#(frame.payload)}"#
            let micros = start + Int64(offset) * 1000
            let outcome = decoder.decode(InboundFrame(payload: Array(text.utf8), isBinary: false, receivedAtMicros: micros, source: "test"))
            store.append(outcome.records + [Gap(family: .assetIndex, streams: ["!assetIndex@arr"], fromMicros: micros - 10, toMicros: micros - 5,
                                                 reason: .connectionLost, detail: "test", source: "test").record(writtenAtMicros: micros)],
                         now: Moment(wallMicros: micros, monotonicNanos: micros * 1000))
        }
        store.close()

        let replay = try MergedReplay(directories: [directory], query: ReplayQuery(), diagnostics: ReplayDiagnostics { Issue.record("\($0)") })
        var framer = WireFramer()
        var frames: [WireFrame] = []
        while let record = replay.next() {
            if let frame = framer.add(record) { frames.append(frame) }
        }
        if let frame = framer.finish() { frames.append(frame) }
        #expect(frames.map(\.stream) == Self.received.map(\.stream))
        #expect(frames.map { String(decoding: $0.payload, as: UTF8.self) } == Self.received.map(\.payload))
        #expect(framer.skipped == Self.received.count, "the gap records have no wire form")
        #expect(String(decoding: frames[1].combined, as: UTF8.self) == #"{"stream":"btcusd@assetIndex","data":\#(Self.received[1].payload)}"#)
    }
}

@Suite struct ReadingPrimitivesTests {
    func scan(_ text: String) -> String? {
        var scanner = RecordScanner()
        let bytes = Array(text.utf8)
        do {
            try bytes.withUnsafeBufferPointer { (line) throws(RecordScanner.Problem) in try scanner.scan(line) }
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func theScannerAcceptsJSONObjectsAndNothingElse() {
        for valid in [#"{}"#, #"{"a":1}"#, #"{ "a" : [1, {"b": [true, false, null]}], "c": -0.5e+10, "d": "\u00e9\n\"", "e": "é€😀" }"#] {
            #expect(scan(valid) == nil, "\(valid)")
        }
        let invalid = [#"[]"#, #"{"a":1"#, #"{"a":1,}"#, #"{"a":01}"#, #"{"a":"x}"#, #"{"a":tru}"#, #"{"a":[1,]}"#, #"{"a":1} x"#,
                       #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", #"{a:1}"#, #"{"a":1.}"#, #"{"a":[[1]}"#, ""]
        for text in invalid { #expect(scan(text) != nil, "\(text)") }
        var bytes = Array(#"{"a":"xx"}"#.utf8)
        bytes[6] = 0xC0  // an overlong lead byte
        var scanner = RecordScanner()
        #expect(throws: RecordScanner.Problem.self) {
            try bytes.withUnsafeBufferPointer { (line) throws(RecordScanner.Problem) in try scanner.scan(line) }
        }
    }

    @Test func recordTimesParseExactlyInEveryAcceptedForm() throws {
        let reference = try #require(UTCTime.microseconds(iso8601: "2026-11-21T13:38:20.001214Z"))
        #expect(UTCTime(microsecondsSinceEpoch: reference).iso8601 == "2026-11-21T13:38:20.001214Z")
        #expect(UTCTime.microseconds(iso8601: "2026-11-21T13:38:20Z") == reference - 1214)
        #expect(UTCTime.microseconds(iso8601: "2026-11-21T13:38:20.0012Z") == reference - 14)
        #expect(UTCTime.microseconds(iso8601: "2026-11-21T13:38:20.001214+00:00") == reference)
        #expect(UTCTime.microseconds(iso8601: "2026-11-21") == reference - (13 * 3600 + 38 * 60 + 20) * 1_000_000 - 1214)
        #expect(UTCTime.microseconds(iso8601: "2024-02-29T00:00Z") != nil)
        for bad in ["2026-02-29", "2026-11-21T24:00Z", "2026-11-21T13:38:20+01:00", "21/11/2026", "2026-11-21T13:38:20.1234567Z", ""] {
            #expect(UTCTime.microseconds(iso8601: bad) == nil, "\(bad)")
        }
        var parser = RecordTimeParser()
        for micros in [reference, reference + 86_400_000_000, 0, 1_795_268_300_123_456] {
            let text = Array(UTCTime(microsecondsSinceEpoch: micros).iso8601.utf8)
            #expect(text.withUnsafeBufferPointer { parser.micros($0) } == micros)
        }
    }
}
