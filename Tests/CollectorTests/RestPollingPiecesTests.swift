import Foundation
import Logging
import MarketDecoding
import Testing
@testable import Collector
import WebSocketTransport

/// `rest.sources` validation and the per-host weight budget.
@Suite struct RestPollingPiecesTests {
    @Test func sourcesAreParsedWithTheirRequestsAndWeights() throws {
        let configuration = try ConfigurationLoader.parse(yaml: """
            rest:
              sources:
                - endpoint: https://fapi.binance.com/fapi/v1/assetIndex
                - endpoint: https://fapi.binance.com/fapi/v1/assetIndex
                  name: two-symbols
                  parameters: {symbol: [BTCUSD, ETHUSD]}
                  interval_seconds: 5
                - endpoint: https://api.binance.com/sapi/v1/portfolio/asset-index-price
                  api_key_file: /etc/key
                  enabled: false
                - endpoint: https://open-api.bydoxe.com/api/v1/future/market/mark-price
                  parameters: {symbol: "BTC/USDT x"}
            """)
        let sources = configuration.rest.sources
        #expect(sources.map(\.name) == ["futures-asset-index", "two-symbols", "portfolio-asset-index", "bydoxe-mark-price"])
        #expect(sources.map(\.document) == [.futuresAssetIndex, .futuresAssetIndex, .portfolioAssetIndexPrice, .bydoxeMarkPrice])
        #expect(sources[0].queries == [""] && sources[0].weightPerInterval == 10 && sources[0].intervalSeconds == 60)
        #expect(sources[1].queries == ["symbol=BTCUSD", "symbol=ETHUSD"] && sources[1].weightPerInterval == 2 && sources[1].weightPerMinute == 24)
        #expect(sources[2].weightPerInterval == 50 && !sources[2].enabled && sources[2].apiKeyFile == "/etc/key" && sources[2].apiKeyEnvironment == nil)
        #expect(sources[3].queries == ["symbol=BTC%2FUSDT%20x"])
        #expect(configuration.rest.weightPerMinute == 1200 && configuration.rest.timeoutSeconds == 10)
    }

    @Test func thePortfolioMarginKeyDefaultsToBinanceApiKey() throws {
        let configuration = try ConfigurationLoader.parse(yaml: "rest:\n  sources:\n    - endpoint: https://api.binance.com/sapi/v1/portfolio/asset-index-price\n")
        #expect(configuration.rest.sources.first?.apiKeyEnvironment == "BINANCE_API_KEY")
    }

    @Test(arguments: [
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/ticker\n", "rest.sources[0].endpoint"),
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex?symbol=X\n", "rest.sources[0].endpoint"),
        ("rest:\n  sources:\n    - endpoint: wss://fapi.binance.com/fapi/v1/assetIndex\n", "rest.sources[0].endpoint"),
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n      interval_seconds: 0\n", "rest.sources[0].interval_seconds"),
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n      api_key_env: KEY\n", "rest.sources[0].api_key_env"),
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n", "rest.sources[1].name"),
        ("rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n      parameters: {symbol: []}\n", "rest.sources[0].parameters.symbol"),
        ("rest:\n  weight_per_minute: 500\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n      interval_seconds: 1\n", "rest.sources"),
        ("rest:\n  sources:\n    endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n", "rest.sources"),
    ])
    func badSourcesNameTheirKey(yaml: String, key: String) {
        #expect {
            try ConfigurationLoader.parse(yaml: yaml)
        } throws: { error in
            guard case .invalid(let named, _, _) = error as? ConfigurationError else { return false }
            return named == key
        }
    }

    @Test func anUnknownSourceKeyIsRefused() {
        #expect(throws: ConfigurationError.unknownKey("rest.sources[0].intervall")) {
            try ConfigurationLoader.parse(yaml: "rest:\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n      intervall: 5\n")
        }
    }

    @Test func sourcesReloadButTheBudgetNeedsARestart() throws {
        let running = try ConfigurationLoader.parse(yaml: "")
        let requested = try ConfigurationLoader.parse(yaml: "rest:\n  weight_per_minute: 600\n  sources:\n    - endpoint: https://fapi.binance.com/fapi/v1/assetIndex\n")
        #expect(running.restartOnlyChanges(to: requested) == ["rest.weight_per_minute"])
        let next = running.reloaded(from: requested)
        #expect(next.rest.sources == requested.rest.sources && next.rest.weightPerMinute == 1200)
    }

    @Test func theBudgetKeepsEachHostWithinItsMinute() {
        let budget = RequestWeightBudget(limitPerMinute: 25)
        let second: UInt64 = 1_000_000_000
        #expect(budget.spend(10, on: "a", nowNanos: 1 * second) == 0)
        #expect(budget.spend(10, on: "a", nowNanos: 2 * second) == 0)
        #expect(budget.spend(10, on: "a", nowNanos: 3 * second) == 58 * second, "waits until the first 10 leave the window (at 61 s)")
        #expect(budget.spend(10, on: "b", nowNanos: 3 * second) == 0, "hosts have separate budgets")
        #expect(budget.spend(10, on: "a", nowNanos: 61 * second) == 0)
        #expect(budget.used(on: "a", nowNanos: 61 * second) == 20)
    }

    @Test func aPauseHoldsTheHostAndTheHostsOwnCountIsTaken() {
        let budget = RequestWeightBudget(limitPerMinute: 100)
        let second: UInt64 = 1_000_000_000
        budget.pause("a", seconds: 30, nowNanos: 10 * second)
        #expect(budget.spend(1, on: "a", nowNanos: 20 * second) == 20 * second)
        #expect(budget.spend(1, on: "a", nowNanos: 40 * second) == 0)
        budget.observe(used: 95, on: "a", nowNanos: 41 * second)
        #expect(budget.used(on: "a", nowNanos: 41 * second) == 95)
        #expect(budget.spend(10, on: "a", nowNanos: 42 * second) > 0, "other clients on the IP used most of the minute")
    }

    @Test func theKeyIsReadFromItsFileAndNeverDescribed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        try "  abc123secret \n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var source = try #require(try ConfigurationLoader.parse(yaml: "rest:\n  sources:\n    - endpoint: https://api.binance.com/sapi/v1/portfolio/asset-index-price\n      api_key_file: \(path)\n").rest.sources.first)
        let key = try APIKey.load(for: source, environment: [:], warning: { _ in }).get()
        #expect(key.value == "abc123secret" && "\(key)" == "<redacted>")
        source.apiKeyFile = nil
        source.apiKeyEnvironment = "PM_KEY"
        #expect(try APIKey.load(for: source, environment: ["PM_KEY": "k2"], warning: { _ in }).get().value == "k2")
        guard case .failure(let problem) = APIKey.load(for: source, environment: [:], warning: { _ in }) else {
            Issue.record("a missing key must be a failure")
            return
        }
        #expect(problem.description.contains("PM_KEY"))
    }
}

/// How every REST loop reads an answer (`RestReply`) and how its retries are paced (`RestRetry`).
@Suite struct RestReplyTests {
    let decoder = RestResponseDecoder(maximumBodyBytes: 1 << 20)
    let url = "https://fapi.binance.com/fapi/v1/assetIndex"

    func reply(_ status: Int, _ body: String, _ document: RestDocument = .futuresAssetIndex) -> RestReply {
        RestReply(.answered(HTTPResponse(status: status, retryAfter: nil, body: Array(body.utf8)), receivedAtMicros: 1_795_268_300_000_000),
                  document: document, decoder: decoder, url: url)
    }

    @Test func eachAnswerIsClassifiedOnce() {
        #expect(reply(200, #"[{"symbol":"ADAUSD","time":1,"index":"1"}]"#).metricOutcome == "ok")
        #expect(reply(200, "not json").metricOutcome == "malformed")
        #expect(reply(200, #"{"code":"50010","msg":"busy","requestTime":1,"data":null}"#, .bydoxeMarkPrice).metricOutcome == "api-error")
        #expect(reply(400, #"{"code":-1121,"msg":"Invalid symbol."}"#).metricOutcome == "api-error")
        #expect(reply(503, "unavailable").metricOutcome == "http-error")
        #expect(reply(503, "unavailable").failureDetail == "answered HTTP 503: unavailable")
        #expect(RestReply(.rateLimited(status: 418, waitSeconds: 300), document: .futuresAssetIndex, decoder: decoder, url: url).metricOutcome == "banned")
        #expect(RestReply(.failed(.requestTimedOut(seconds: 10)), document: .futuresAssetIndex, decoder: decoder, url: url).metricOutcome == "timeout")
    }

    @Test func retriesGrowAndALimitedOneGivesUp() {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var retry = RestRetry(initialDelayMilliseconds: 1000, maximumDelayMilliseconds: 8000, maximumAttempts: 3)
        let first = retry.failed("x", "down", logger: logger)
        let second = retry.failed("x", "down", logger: logger)
        #expect(first.map { (500...1000).contains($0) } == true)
        #expect(second.map { (1000...2000).contains($0) } == true)
        #expect(retry.failed("x", "down", logger: logger) == nil, "the third failure gives up")
        #expect(retry.failed("x", "down", logger: logger).map { (500...1000).contains($0) } == true, "and the next request starts over")
        var forever = RestRetry(initialDelayMilliseconds: 1000, maximumDelayMilliseconds: 8000)
        for _ in 0..<20 { #expect(forever.failed("x", "down", logger: logger).map { $0 <= 8000 } == true) }
    }
}
