import Foundation
import Testing
@testable import MarketDecoding

/// REST bodies become one record per element, values verbatim; anything else is kept whole.
@Suite struct RestResponseDecoderTests {
    let decoder = RestResponseDecoder(maximumBodyBytes: 1 << 20)
    let receivedAt: Int64 = 1_795_268_300_123_456

    func lines(_ outcome: RestOutcome) -> [String] {
        outcome.records.map { String(decoding: $0.line.dropLast(), as: UTF8.self) }
    }

    @Test func theFuturesAssetIndexObjectBecomesOneRecordWithTimeAsEventTime() {
        let outcome = decoder.decode(.futuresAssetIndex, body: Array(SeedExamples.futuresAssetIndexObject.utf8), url: "u", receivedAtMicros: receivedAt)
        #expect(lines(outcome) == [#"{"type":"assetIndexSnapshot","stream":"rest:/fapi/v1/assetIndex","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1635740268004,"symbol":"ADAUSD","index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}"#])
        #expect(outcome.records.allSatisfy { $0.family == .restAssetIndex })
    }

    @Test func thePortfolioMarginArrayKeepsItsPriceDigitsAndAssetKey() {
        let outcome = decoder.decode(.portfolioAssetIndexPrice, body: Array(SeedExamples.portfolioAssetIndexPrice.utf8), url: "u", receivedAtMicros: receivedAt)
        #expect(lines(outcome) == [#"{"type":"portfolioAssetIndexPrice","stream":"rest:/sapi/v1/portfolio/asset-index-price","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1683518338121,"asset":"BTC","assetIndexPrice":"28251.9136906"}"#])
        #expect(outcome.records.allSatisfy { $0.family == .restPortfolioAssetIndex })
    }

    @Test(arguments: [SeedExamples.bydoxeMarkPriceObject, SeedExamples.bydoxeMarkPriceArray])
    func bydoxeEnvelopesAreUnwrappedKeepingRequestTime(body: String) {
        let outcome = decoder.decode(.bydoxeMarkPrice, body: Array(body.utf8), url: "u", receivedAtMicros: receivedAt)
        let btc = #"{"type":"bydoxeMarkPrice","stream":"rest:/api/v1/future/market/mark-price","recvTime":"2026-11-21T13:38:20.123456Z","eventTime":1763459280833,"symbol":"BTCUSDT","markPrice":"91234.56","indexPrice":"91200.12","estimatedSettlePrice":"91300.00","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":1763459280833,"requestTime":1732000000000}"#
        #expect(lines(outcome).first == btc)
        #expect(lines(outcome).count == (body.contains("ETHUSDT") ? 2 : 1))
        #expect(outcome.apiError == nil && outcome.rejections.isEmpty)
        #expect(outcome.records.allSatisfy { $0.family == .restBydoxeMarkPrice })
    }

    @Test(arguments: [("40034", "symbol does not exist"), ("50010", "Upstream response invalid")])
    func anEnvelopeErrorCodeIsReportedWithoutRecords(code: String, message: String) {
        let body = #"{"code":"\#(code)","msg":"\#(message)","requestTime":1732000000000,"data":null}"#
        let outcome = decoder.decode(.bydoxeMarkPrice, body: Array(body.utf8), url: "u", receivedAtMicros: receivedAt)
        #expect(outcome.apiError == RestAPIError(code: code, message: message))
        #expect(outcome.records.isEmpty && outcome.rejections.isEmpty)
    }

    @Test func binanceErrorBodiesAreRead() {
        #expect(RestResponseDecoder.apiError(in: Array(#"{"code":-1121,"msg":"Invalid symbol."}"#.utf8)) == RestAPIError(code: "-1121", message: "Invalid symbol."))
        #expect(RestResponseDecoder.apiError(in: Array("<html>502 Bad Gateway</html>".utf8)) == nil)
    }

    @Test func aTruncatedBodyIsKeptWholeWithItsURLAndStatus() throws {
        let body = #"[{"symbol":"ADAUSD","time":1635740268004,"index":"1.92"#
        let outcome = decoder.decode(.futuresAssetIndex, body: Array(body.utf8), url: "https://fapi.binance.com/fapi/v1/assetIndex", status: 200, receivedAtMicros: receivedAt)
        #expect(outcome.records.isEmpty)
        let rejection = try #require(outcome.rejections.first)
        #expect(rejection.reason == .invalidJSON && rejection.record.family == .rejected)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rejection.record.line)) as? [String: Any])
        #expect(object["url"] as? String == "https://fapi.binance.com/fapi/v1/assetIndex")
        #expect(object["status"] as? Int == 200)
        #expect(object["payload"] as? String == body)
        #expect(object["source"] == nil)
    }

    @Test func anElementWithoutItsKeyIsRejectedAloneAndTheRestKept() {
        let body = #"[{"asset":"BTC","assetIndexPrice":"1","time":1},{"assetIndexPrice":"2","time":1}]"#
        let outcome = decoder.decode(.portfolioAssetIndexPrice, body: Array(body.utf8), url: "u", receivedAtMicros: receivedAt)
        #expect(outcome.records.count == 1)
        #expect(outcome.rejections.map(\.reason) == [.schema])
    }

    @Test(arguments: [
        (RestDocument.futuresAssetIndex, #"{"code":-1003,"msg":"Too many requests"}"#, RejectionReason.schema),
        (.futuresAssetIndex, #""just a string""#, .unknownShape),
        (.bydoxeMarkPrice, #"[{"symbol":"BTCUSDT"}]"#, .unknownShape),
        (.bydoxeMarkPrice, #"{"code":"00000","msg":"success"}"#, .unknownShape),
        (.bydoxeMarkPrice, "<html>", .invalidJSON),
    ])
    func bodiesOfTheWrongShapeAreRejected(document: RestDocument, body: String, reason: RejectionReason) {
        let outcome = decoder.decode(document, body: Array(body.utf8), url: "u", receivedAtMicros: receivedAt)
        #expect(outcome.records.isEmpty)
        #expect(outcome.rejections.map(\.reason) == [reason])
    }

    @Test func restStreamsHaveTheirOwnFamilies() {
        #expect(StreamCatalog.family(of: "rest:/fapi/v1/assetIndex") == .restAssetIndex)
        #expect(StreamCatalog.family(of: "rest:/sapi/v1/portfolio/asset-index-price") == .restPortfolioAssetIndex)
        #expect(StreamCatalog.family(of: "rest:/api/v1/future/market/mark-price") == .restBydoxeMarkPrice)
        #expect(RestDocument.served(at: "/proxy/binance/fapi/v1/assetIndex") == .futuresAssetIndex)
    }
}
