import Foundation
import Testing
@testable import MarketDecoding

/// The README's example lines are what the decoder really writes.
@Suite struct ReadmeExamplesTests {
    let readme: String = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    func decodeLine(_ text: String) -> String {
        let outcome = FrameDecoder(maximumFrameBytes: 1 << 20).decode(InboundFrame(
            payload: Array(text.utf8), isBinary: false, receivedAtMicros: 1_795_268_300_123_456, source: "market-1"))
        let record = outcome.records.first ?? outcome.rejections.first!.record
        return String(decoding: record.line.dropLast(), as: UTF8.self)
    }

    @Test func contractInfoExample() {
        #expect(readme.contains(decodeLine(#"{"stream":"!contractInfo","data":"# + SeedExamples.contractInfo + "}")))
    }

    @Test func unknownEventExample() {
        #expect(readme.contains(decodeLine(#"{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1700000000000,"s":"BTCUSDT","p":"1.0"}}"#)))
    }

    @Test func rejectedFrameExample() {
        #expect(readme.contains(decodeLine("this is not json")))
    }
}
