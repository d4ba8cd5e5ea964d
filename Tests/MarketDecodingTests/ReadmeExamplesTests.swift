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

extension ReadmeExamplesTests {
    @Test func gapExample() {
        let gap = Gap(family: .assetIndex, streams: ["!assetIndex@arr", "adausd@assetIndex"],
                      fromMicros: 1_795_268_300_000_000, toMicros: 1_795_268_312_345_678, reason: .connectionLost,
                      detail: "closed by the server with 1001 \"going away\"", source: "market-1")
        #expect(readme.contains(String(decoding: gap.record(writtenAtMicros: 1_795_268_312_400_000).line.dropLast(), as: UTF8.self)))
    }

    @Test func snapshotExample() {
        let body = #"[{"symbol":"ADAUSD","time":1635740268004,"index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}]"#
        let outcome = SnapshotDecoder(maximumBodyBytes: 1 << 20).decodeAssetIndex(Array(body.utf8), receivedAtMicros: 1_795_268_300_123_456)
        #expect(outcome.records.count == 1 && outcome.rejections.isEmpty)
        #expect(readme.contains(String(decoding: outcome.records[0].line.dropLast(), as: UTF8.self)))
    }

    @Test func aSnapshotThatIsNotAnArrayIsKeptWholeAsARejection() {
        let outcome = SnapshotDecoder(maximumBodyBytes: 1 << 20).decodeAssetIndex(Array(#"{"code":-1003,"msg":"Too many requests"}"#.utf8), receivedAtMicros: 0)
        #expect(outcome.records.isEmpty)
        #expect(outcome.rejections.map(\.reason) == [.schema])
    }
}
