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

    @Test(arguments: [
        (RestDocument.futuresAssetIndex, SeedExamples.futuresAssetIndexObject),
        (.portfolioAssetIndexPrice, SeedExamples.portfolioAssetIndexPrice),
        (.bydoxeMarkPrice, SeedExamples.bydoxeMarkPriceObject),
    ])
    func restRecordExamples(document: RestDocument, body: String) {
        let outcome = RestResponseDecoder(maximumBodyBytes: 1 << 20).decode(document, body: Array(body.utf8), url: "https://example", receivedAtMicros: 1_795_268_300_123_456)
        #expect(outcome.records.count == 1 && outcome.rejections.isEmpty)
        #expect(readme.contains(String(decoding: outcome.records[0].line.dropLast(), as: UTF8.self)))
    }

    @Test func restRejectionExample() {
        let outcome = RestResponseDecoder(maximumBodyBytes: 1 << 20).decode(
            .bydoxeMarkPrice, body: Array(#"{"code":"00000","msg":"success","data":[{"symbol":"BTCUSDT","markPrice":"91234.5"#.utf8),
            url: "https://open-api.bydoxe.com/api/v1/future/market/mark-price", status: 200, receivedAtMicros: 1_795_268_300_123_456)
        #expect(readme.contains(String(decoding: outcome.rejections[0].record.line.dropLast(), as: UTF8.self)))
    }
}
