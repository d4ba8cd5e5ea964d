import Foundation
import Testing
@testable import MarketDecoding

@Suite struct FrameDecoderTests {
    let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
    let receivedAt: Int64 = 1_795_268_300_123_456  // 2026-11-21T13:38:20.123456Z

    func decode(_ text: String, binary: Bool = false) -> FrameOutcome {
        decoder.decode(InboundFrame(payload: Array(text.utf8), isBinary: binary, receivedAtMicros: receivedAt, source: "test"))
    }

    func line(_ record: Record) -> String { String(decoding: record.line, as: UTF8.self) }

    func object(_ record: Record) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(record.line))
        return try #require(parsed as? [String: Any])
    }

    @Test func seedAssetIndexArrayGivesOneRecordPerElementWithExactValues() throws {
        let outcome = decode(SeedExamples.assetIndexArray)
        #expect(outcome.rejections.isEmpty)
        #expect(outcome.records.count == 2)
        let first = line(outcome.records[0])
        #expect(first == #"{"type":"assetIndexUpdate","stream":"!assetIndex@arr","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1686749230000,"symbol":"ADAUSD","index":"0.27462452","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"0.24716207","askRate":"0.30208698","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"0.26089330","autoExchangeAskRate":"0.28835575"}"# + "\n")
        let second = try object(outcome.records[1])
        #expect(second["symbol"] as? String == "USDTUSD")
        #expect(second["autoExchangeAskRate"] as? String == "0.99997689")
        #expect(outcome.records.allSatisfy { $0.family == .assetIndex && $0.receivedAtMicros == receivedAt })
    }

    @Test func anEventsIdentityIsItsStreamSymbolAndTimeHoweverTheSymbolIsWritten() {
        // The identity is fingerprinted from the wire's bytes; an escaped symbol is the same symbol.
        let plain = decode(#"{"stream":"!assetIndex@arr","data":[{"e":"assetIndexUpdate","E":5,"s":"ADAUSD"},{"e":"assetIndexUpdate","E":5,"s":"\u0041DAUSD"}]}"#)
        let expected = EventIdentity(stream: "!assetIndex@arr", symbol: "ADAUSD", eventTime: 5)
        #expect(plain.records.map(\.identity) == [expected, expected])
        let bare = decode(#"{"e":"assetIndexUpdate","E":5,"s":"ADAUSD"}"#)
        #expect(bare.records.map(\.identity) == [EventIdentity(stream: "adausd@assetIndex", symbol: "ADAUSD", eventTime: 5)])
    }

    @Test func aFramesLinesShareOneBufferAndEachIsExactlyItsLine() {
        // Known events, an unknown one and a rejected one, in one frame: the records keep the
        // frame's order, each line a whole line of its own.
        let outcome = decode(#"{"stream":"!contractInfo","data":[{"e":"contractInfo","E":1,"s":"A","bks":[{"bs":1,"zz":2}],"q":3},{"e":"other","E":2},{"e":"contractInfo","s":"NOTIME"},{"e":"contractInfo","E":4,"s":"B"}]}"#)
        #expect(outcome.records.map(line) == [
            #"{"type":"contractInfo","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1,"symbol":"A","brackets":[{"bracket":1,"extra":{"zz":2}}],"extra":{"q":3}}"# + "\n",
            #"{"type":"other","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":2,"raw":{"e":"other","E":2}}"# + "\n",
            #"{"type":"contractInfo","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":4,"symbol":"B"}"# + "\n",
        ])
        #expect(outcome.rejections.map(\.reason) == [.schema])
    }

    @Test func combinedStreamWrapperNamesTheStream() throws {
        let outcome = decode(#"{"stream":"!assetIndex@arr","data":"# + SeedExamples.assetIndexArray + "}")
        #expect(outcome.records.count == 2)
        #expect(try object(outcome.records[0])["stream"] as? String == "!assetIndex@arr")

        let single = decode(#"{"stream":"adausd@assetIndex","data":{"e":"assetIndexUpdate","E":1,"s":"ADAUSD","i":"1.5"}}"#)
        #expect(try object(single.records[0])["stream"] as? String == "adausd@assetIndex")
    }

    @Test func barePerSymbolEventGetsItsLowercaseStreamName() throws {
        let outcome = decode(#"{"e":"assetIndexUpdate","E":1686749230000,"s":"ADAUSD","i":"0.27462452"}"#)
        #expect(try object(outcome.records[0])["stream"] as? String == "adausd@assetIndex")
    }

    @Test func arrayOfOneElement() {
        let outcome = decode(#"[{"e":"assetIndexUpdate","E":1686749230000,"s":"BTCUSD","i":"91234.5"}]"#)
        #expect(outcome.records.count == 1)
        #expect(line(outcome.records[0]).contains(#""stream":"!assetIndex@arr""#))
    }

    @Test func seedContractInfoKeepsBracketNumbersDigitForDigit() throws {
        let outcome = decode(#"{"stream":"!contractInfo","data":"# + SeedExamples.contractInfo + "}")
        #expect(outcome.records.count == 1)
        let record = outcome.records[0]
        #expect(record.family == .contractInfo)
        #expect(line(record) == #"{"type":"contractInfo","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1669356423908,"symbol":"IOTAUSDT","pair":"IOTAUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,"onboardDate":1569398400000,"status":"TRADING","brackets":[{"bracket":1,"notionalFloor":0,"notionalCap":5000,"maintMarginRatio":0.01,"cum":0,"minLeverage":21,"maxLeverage":50},{"bracket":2,"notionalFloor":5000,"notionalCap":25000,"maintMarginRatio":0.025,"cum":75,"minLeverage":11,"maxLeverage":20}]}"# + "\n")
    }

    @Test func contractInfoWithoutOptionalFieldsAndWithFuturesType() throws {
        let outcome = decode(#"{"e":"contractInfo","E":1769356423908,"s":"BTCUSD_PERP","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"TRADING_HALT","st":2}"#)
        let fields = try object(outcome.records[0])
        #expect(fields["pair"] == nil)
        #expect(fields["brackets"] == nil)
        #expect(fields["futuresType"] as? Int == 2)
        #expect(fields["status"] as? String == "TRADING_HALT")
    }

    @Test func unknownFieldsAreKeptUnderExtra() throws {
        let outcome = decode(#"{"e":"contractInfo","E":1,"s":"X","cs":"TRADING","zz":{"a":[1,2]},"bks":[{"bs":1,"new":"v"}]}"#)
        let text = line(outcome.records[0])
        #expect(text.contains(#""extra":{"zz":{"a":[1,2]}}"#))
        #expect(text.contains(#""brackets":[{"bracket":1,"extra":{"new":"v"}}]"#))
    }

    @Test func keysMatchByTheirDecodedTextAndTheFirstOfARepeatedKeyWins() {
        let outcome = decode(#"{"stream":"!contractInfo","data":{"e":"contractInfo","E":7,"\u0073":"X","cs":"A","cs":"B","q":1,"bks":[{"new":1},2,{"b\u0073":3,"bs":4}],"bks":[]}}"#)
        #expect(outcome.rejections.isEmpty)
        #expect(outcome.records.map(line) == [#"{"type":"contractInfo","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":7,"symbol":"X","status":"A","brackets":[{"extra":{"new":1}},2,{"bracket":3}],"extra":{"q":1}}"# + "\n"])
        #expect(outcome.records.first?.identity == EventIdentity(stream: "!contractInfo", symbol: "X", eventTime: 7))

        let notAList = decode(#"{"e":"contractInfo","E":-9223372036854775808,"s":"Y","bks":{"bs":1}}"#)
        #expect(notAList.records.map(line) == [#"{"type":"contractInfo","stream":"!contractInfo","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":-9223372036854775808,"symbol":"Y","brackets":{"bs":1}}"# + "\n"])
        #expect(notAList.records.first?.identity == EventIdentity(stream: "!contractInfo", symbol: "Y", eventTime: .min))
        let tooLarge = decode(#"{"e":"contractInfo","E":9223372036854775808,"s":"Y"}"#)
        #expect(tooLarge.records.count == 1 && tooLarge.records.first?.identity == nil)
    }

    @Test func longDecimalsAndHugeIntegersPassThroughVerbatim() {
        let longDecimal = "0.123456789012345678901234567890123456789"
        let hugeTime = "123456789012345678901234567890"
        let outcome = decode(#"{"e":"assetIndexUpdate","E":\#(hugeTime),"s":"ADAUSD","i":"\#(longDecimal)","b":1e-30,"a":-0.000000000000000000001}"#)
        let text = line(outcome.records[0])
        #expect(text.contains(#""eventTime":\#(hugeTime)"#))
        #expect(text.contains(#""index":"\#(longDecimal)""#))
        #expect(text.contains(#""bidBuffer":1e-30"#))
        #expect(text.contains(#""askBuffer":-0.000000000000000000001"#))
    }

    @Test func unicodeAndEscapesArePreserved() throws {
        let outcome = decode(#"{"e":"assetIndexUpdate","E":1,"s":"币安USD","i":"1","note":"caf\u00e9 \"q\" \n"}"#)
        let text = line(outcome.records[0])
        #expect(text.contains(#""symbol":"币安USD""#))
        #expect(text.contains(#""note":"caf\u00e9 \"q\" \n""#))
        #expect(text.filter { $0 == "\n" }.count == 1)
        let fields = try object(outcome.records[0])
        #expect((fields["extra"] as? [String: Any])?["note"] as? String == "café \"q\" \n")
    }

    @Test func unknownEventTypesAreKeptWithTheirRawPayload() {
        let payload = #"{"e":"markPriceUpdate","E":1700000000000,"s":"BTCUSDT","p":"1.0"}"#
        let outcome = decode(#"{"stream":"btcusdt@markPrice","data":\#(payload)}"#)
        #expect(outcome.records.count == 1)
        #expect(outcome.records[0].family == .otherEvents)
        #expect(line(outcome.records[0]) == #"{"type":"markPriceUpdate","stream":"btcusdt@markPrice","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1700000000000,"raw":\#(payload)}"# + "\n")
    }

    @Test func controlRepliesAreRecognised() {
        #expect(decode(#"{"result":null,"id":1}"#).reply == .result(id: 1, result: "null"))
        #expect(decode(#"{"result":["!contractInfo"],"id":3}"#).reply == .result(id: 3, result: #"["!contractInfo"]"#))
        #expect(decode(#"{"error":{"code":2,"msg":"Invalid request: unknown"},"id":7}"#).reply == .error(id: 7, code: 2, message: "Invalid request: unknown"))
        #expect(decode(#"{"error":{"code":3,"msg":"Invalid JSON"},"id":null}"#).reply == .error(id: nil, code: 3, message: "Invalid JSON"))
        #expect(decode(#"{"result":null,"id":1}"#).records.isEmpty)
    }

    @Test(arguments: [
        (#"{"e":"assetIndexUpdate","E":1,"s":"A""#, RejectionReason.invalidJSON),
        ("not json at all", .invalidJSON),
        (#"{"a":1} {"b":2}"#, .invalidJSON),
        ("42", .unknownShape),
        (#"{"hello":"world"}"#, .unknownShape),
        (#"{"stream":"x","data":17}"#, .unknownShape),
        (#"{"e":"assetIndexUpdate","s":"ADAUSD"}"#, .schema),
        (#"{"e":"assetIndexUpdate","E":"1686749230000","s":"ADAUSD"}"#, .schema),
        (#"{"e":"contractInfo","E":1.5,"s":"X"}"#, .schema),
        (#"{"e":"contractInfo","E":1}"#, .schema),
    ])
    func malformedFramesAreRejectedWithTheirText(text: String, reason: RejectionReason) throws {
        let outcome = decode(text)
        #expect(outcome.records.isEmpty)
        let rejection = try #require(outcome.rejections.first)
        #expect(rejection.reason == reason)
        #expect(rejection.record.family == .rejected)
        let fields = try object(rejection.record)
        #expect(fields["type"] as? String == "collector.rejected")
        #expect(fields["reason"] as? String == reason.rawValue)
        #expect(fields["encoding"] as? String == "text")
        #expect(fields["payload"] as? String == text)
        #expect(fields["recvTime"] as? String == "2026-11-21T13:38:20.123456Z")
    }

    @Test func oneBadElementDoesNotCostTheOthers() throws {
        let outcome = decode(#"[{"e":"assetIndexUpdate","E":1,"s":"A","i":"1"},7,{"e":"assetIndexUpdate","E":1,"s":"B","i":"2"}]"#)
        #expect(outcome.records.count == 2)
        #expect(outcome.rejections.count == 1)
        #expect(outcome.rejections[0].detail.hasPrefix("element 1:"))
        #expect(try object(outcome.rejections[0].record)["payload"] as? String == "7")
    }

    @Test func invalidUTF8AndBinaryFramesAreKeptAsBase64() throws {
        let bytes: [UInt8] = [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]
        let outcome = decoder.decode(InboundFrame(payload: bytes, isBinary: false, receivedAtMicros: receivedAt, source: "t"))
        #expect(outcome.rejections.first?.reason == .invalidUTF8)
        let fields = try object(outcome.rejections[0].record)
        #expect(fields["encoding"] as? String == "base64")
        #expect(fields["payload"] as? String == Data(bytes).base64EncodedString())

        let binary = decode(#"{"e":"assetIndexUpdate"}"#, binary: true)
        #expect(binary.rejections.first?.reason == .binary)
        #expect(try object(binary.rejections[0].record)["payload"] as? String == Data(#"{"e":"assetIndexUpdate"}"#.utf8).base64EncodedString())
    }

    @Test func framesAboveTheLimitAreKeptWholeButNotDecoded() throws {
        let small = FrameDecoder(maximumFrameBytes: 1024)
        let big = "[" + Array(repeating: #"{"e":"assetIndexUpdate","E":1,"s":"A","i":"1"}"#, count: 100).joined(separator: ",") + "]"
        let outcome = small.decode(InboundFrame(payload: Array(big.utf8), isBinary: false, receivedAtMicros: receivedAt, source: "t"))
        #expect(outcome.records.isEmpty)
        #expect(outcome.rejections.first?.reason == .oversized)
        #expect(try object(outcome.rejections[0].record)["payload"] as? String == big)
    }

    @Test func everyLineIsOneJSONObjectEndingInOneNewline() throws {
        let inputs = [SeedExamples.assetIndexArray, SeedExamples.contractInfo, "garbage\n\n{", #"{"e":"x\ny"}"#]
        for input in inputs {
            let outcome = decode(input)
            for record in outcome.records + outcome.rejections.map(\.record) {
                #expect(record.line.last == 0x0A)
                #expect(record.line.dropLast().contains(0x0A) == false)
                _ = try object(record)
            }
        }
    }
}
