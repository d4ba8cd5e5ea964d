import CollectorTestKit
import Foundation
import HTTPServing
import MarketServer
import Synchronization
import Testing

/// The REST pollers: the three seed documents recorded beside the streams, byte for byte, and
/// every failure a REST server can produce retried or contained without touching the streams.
@Suite(.serialized) struct RestPollingTests {
    static let assetIndex = "/fapi/v1/assetIndex"
    static let portfolio = "/sapi/v1/portfolio/asset-index-price"
    static let markPrice = "/api/v1/future/market/mark-price"

    enum Bodies {
        static let assetIndexObject = #"{"symbol":"ADAUSD","time":1635740268004,"index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}"#
        static let assetIndexArray = #"[{"symbol":"ADAUSD","time":1635740269000,"index":"1.92957371"},{"symbol":"BTCUSD","time":1635740269000,"index":"91235.469225390000000000001","extra":12345678901234567890123}]"#
        static let portfolio = #"[{"asset":"BTC","assetIndexPrice":"28251.9136906","time":1683518338121}]"#
        static let markPriceObject = #"{"code":"00000","msg":"success","requestTime":1732000000000,"data":{"symbol":"BTCUSDT","markPrice":"91234.56","indexPrice":"91200.12","estimatedSettlePrice":"91300.00","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":1763459280833,"ts":1763459280833}}"#
        static let markPriceArray = #"{"code":"00000","msg":"success","requestTime":1732000000001,"data":[{"symbol":"BTCUSDT","markPrice":"91234.57","ts":1763459280834},{"symbol":"ETHUSDT","markPrice":"3456.78","ts":1763459280834}]}"#
    }

    static func configuration(port: Int, rest: String) -> String {
        FaultInjectionTests.configuration(port: port, extra: "rest:\n  timeout_seconds: 2\n  retry:\n    initial_delay_ms: 200\n    max_delay_ms: 1000\n" + rest)
    }

    @Test func theThreeSourcesLandBesideTheStreamsExactToTheByteOverTLS() async throws {
        let certificates = try TestCertificates.make()
        let rest = try await RestServer.start(tls: certificates) { request in
            let selective = request.uri.contains("?")
            switch request.path {
            case Self.assetIndex: return .answer(.json(selective ? Bodies.assetIndexObject : Bodies.assetIndexArray))
            case Self.portfolio where request.header("X-MBX-APIKEY") == "test-key-7f3a": return .answer(.json(Bodies.portfolio))
            case Self.portfolio: return .answer(HTTPAnswer(status: 401, body: #"{"code":-2014,"msg":"API-key format invalid."}"#))
            case Self.markPrice: return .answer(.json(selective ? Bodies.markPriceObject : Bodies.markPriceArray))
            default: return .answer(.notFound)
            }
        }
        defer { Task { await rest.stop() } }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let base = "https://localhost:\(rest.port)"
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, rest: """
              sources:
                - {name: asset-index-one, endpoint: \(base)\(Self.assetIndex), parameters: {symbol: ADAUSD}, interval_seconds: 1}
                - {name: asset-index-all, endpoint: \(base)\(Self.assetIndex), interval_seconds: 1}
                - {endpoint: \(base)\(Self.portfolio), parameters: {asset: BTC}, interval_seconds: 1, api_key_env: TEST_PM_KEY}
                - {name: mark-one, endpoint: \(base)\(Self.markPrice), parameters: {symbol: BTCUSDT}, interval_seconds: 1}
                - {name: mark-all, endpoint: \(base)\(Self.markPrice), interval_seconds: 1}
            tls:
              ca_file: \(certificates.caPath)
            """), environment: ["TEST_PM_KEY": "test-key-7f3a"])
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("two rounds of every source", within: 20) {
            rest.requests(to: Self.assetIndex).count >= 4 && rest.requests(to: Self.portfolio).count >= 2 && rest.requests(to: Self.markPrice).count >= 4
        }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "the streams are untouched: \(result)")

        let files = DataFiles(directory: daemon.dataDirectory)
        func distinct(_ family: String) throws -> Set<String> { Set(try files.lines(family).map(Wire.withoutReceiveTime)) }
        #expect(try distinct("rest-asset-index") == [
            #"{"type":"assetIndexSnapshot","stream":"rest:/fapi/v1/assetIndex","eventTime":1635740268004,"symbol":"ADAUSD","index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}"#,
            #"{"type":"assetIndexSnapshot","stream":"rest:/fapi/v1/assetIndex","eventTime":1635740269000,"symbol":"ADAUSD","index":"1.92957371"}"#,
            #"{"type":"assetIndexSnapshot","stream":"rest:/fapi/v1/assetIndex","eventTime":1635740269000,"symbol":"BTCUSD","index":"91235.469225390000000000001","extra":12345678901234567890123}"#,
        ])
        #expect(try distinct("rest-portfolio-asset-index") == [
            #"{"type":"portfolioAssetIndexPrice","stream":"rest:/sapi/v1/portfolio/asset-index-price","eventTime":1683518338121,"asset":"BTC","assetIndexPrice":"28251.9136906"}"#,
        ])
        #expect(try distinct("rest-bydoxe-mark-price") == [
            #"{"type":"bydoxeMarkPrice","stream":"rest:/api/v1/future/market/mark-price","eventTime":1763459280833,"symbol":"BTCUSDT","markPrice":"91234.56","indexPrice":"91200.12","estimatedSettlePrice":"91300.00","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":1763459280833,"requestTime":1732000000000}"#,
            #"{"type":"bydoxeMarkPrice","stream":"rest:/api/v1/future/market/mark-price","eventTime":1763459280834,"symbol":"BTCUSDT","markPrice":"91234.57","requestTime":1732000000001}"#,
            #"{"type":"bydoxeMarkPrice","stream":"rest:/api/v1/future/market/mark-price","eventTime":1763459280834,"symbol":"ETHUSDT","markPrice":"3456.78","requestTime":1732000000001}"#,
        ])
        #expect(try files.lines("rejected").isEmpty)

        let requests = rest.requests
        #expect(requests.filter { $0.path == Self.portfolio }.allSatisfy { $0.header("X-MBX-APIKEY") == "test-key-7f3a" })
        #expect(requests.filter { $0.path != Self.portfolio }.allSatisfy { $0.header("X-MBX-APIKEY") == nil }, "the key goes only where it is needed")
        #expect(Set(requests.map(\.uri)) == ["\(Self.assetIndex)?symbol=ADAUSD", Self.assetIndex, "\(Self.portfolio)?asset=BTC", "\(Self.markPrice)?symbol=BTCUSDT", Self.markPrice])
        #expect(!daemon.log.contains("test-key-7f3a"), "the API key is never logged")
        let verify = try CommandRun.collector(["verify", "--data-dir", daemon.dataDirectory])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    /// 5xx, malformed JSON, a stalled body, error codes and a missing key: each is logged and
    /// counted, retried or contained, and the streams flow throughout.
    @Test func everyFailureIsRetriedOrContainedWhileTheStreamsFlow() async throws {
        let script = Mutex<[String: Int]>([:])
        let rest = try await RestServer.start { request in
            let attempt = script.withLock { $0[request.uri, default: 0] += 1; return $0[request.uri]! }
            switch (request.uri, attempt) {
            case (Self.assetIndex, 1): return .answer(HTTPAnswer(status: 503, body: "<html>503 Service Unavailable</html>"))
            case (Self.assetIndex, 2): return .answer(.json(#"[{"symbol":"ADAUSD","time":1,"index":"1.9"#))
            case (Self.assetIndex, 3): return .stall(body: Bodies.assetIndexArray, sentBytes: 40)
            case (Self.assetIndex, 4): return .cut(body: Bodies.assetIndexArray, sentBytes: 60)
            case (Self.assetIndex, _): return .answer(.json(Bodies.assetIndexArray))
            case ("\(Self.markPrice)?symbol=BTCUSDT", 1):
                return .answer(.json(#"{"code":"50010","msg":"Upstream response invalid","requestTime":1732000000000,"data":null}"#))
            case ("\(Self.markPrice)?symbol=BTCUSDT", _): return .answer(.json(Bodies.markPriceObject))
            case ("\(Self.markPrice)?symbol=NOPEUSDT", _):
                return .answer(HTTPAnswer(status: 400, body: #"{"code":"40034","msg":"symbol does not exist","requestTime":1732000000000,"data":null}"#))
            default: return .answer(.notFound)
            }
        }
        defer { Task { await rest.stop() } }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let base = "http://127.0.0.1:\(rest.port)"
        let sources = """
              sources:
                - {endpoint: \(base)\(Self.assetIndex), interval_seconds: 1}
                - {endpoint: \(base)\(Self.markPrice), parameters: {symbol: [BTCUSDT, NOPEUSDT]}, interval_seconds: 1}
                - {endpoint: \(base)\(Self.portfolio), api_key_env: TEST_KEY_THAT_IS_NOT_SET}
            """
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, rest: sources), environment: DaemonProcess.metricsOnAnyPort)
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("asset indexes after 503, malformed JSON, a stalled and a cut body", within: 30) {
            (try? files.lines("rest-asset-index").count) ?? 0 > 0 && ((try? files.lines("rest-bydoxe-mark-price").count) ?? 0) > 0
        }
        let nope = "\(Self.markPrice)?symbol=NOPEUSDT"
        try await Task.sleep(for: .seconds(3))
        #expect(rest.requests.filter { $0.uri == nope }.count == 1, "a symbol that does not exist is asked once")
        #expect(rest.requests(to: Self.portfolio).isEmpty, "no key, no requests")
        #expect(daemon.log.components(separatedBy: "no API key").count == 2, "said once, not per interval")
        let port = try await daemon.metricsPort()
        let scrape = try await Scrape.get(port, "/metrics")

        // Until the configuration changes: a reload with the source changed asks again (and the
        // key is looked for again).
        try daemon.writeConfiguration(Self.configuration(port: server.port, rest: sources.replacingOccurrences(of: "[BTCUSDT, NOPEUSDT]}, interval_seconds: 1", with: "[BTCUSDT, NOPEUSDT]}, interval_seconds: 2")))
        daemon.hangUp()
        try await eventually("the changed source asks again") { rest.requests.filter { $0.uri == nope }.count == 2 }

        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "the streams are untouched: \(result)")
        let log = daemon.log
        #expect(log.contains("answered HTTP 503"))
        #expect(log.contains("no complete response within 2 s"))
        #expect(log.contains("code 50010 (Upstream response invalid)"))
        #expect(log.contains("code 40034 (symbol does not exist)") && log.contains("not asked again until the configuration changes"))
        #expect(log.contains("REST source disabled: no API key: set the environment variable TEST_KEY_THAT_IS_NOT_SET or name a key file in api_key_file [source=portfolio-asset-index url=\(base)\(Self.portfolio)]"))

        #expect(log.contains("the connection closed before the response was complete"), "the cut body")
        let uris = rest.requests(to: Self.assetIndex).prefix(5).map(\.uri)
        #expect(uris.count == 5, "503, malformed, stalled, cut, then an answer")
        let rejected = try files.objects("rejected")
        #expect(rejected.count == 1)
        #expect(rejected.first?["url"] as? String == "\(base)\(Self.assetIndex)")
        #expect(rejected.first?["status"] as? Int == 200)
        #expect(rejected.first?["reason"] as? String == "invalid-json")
        #expect(rejected.first?["payload"] as? String == #"[{"symbol":"ADAUSD","time":1,"index":"1.9"#)
        #expect(try files.lines("rest-asset-index").allSatisfy { $0.contains("1635740269000") }, "only whole answers are recorded")

        #expect(scrape.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="http-error"}"#) == 1)
        #expect(scrape.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="malformed"}"#) == 1)
        #expect(scrape.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="timeout"}"#) == 1)
        #expect(scrape.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="failed"}"#) == 1)
        #expect(scrape.value(#"stream_collector_rest_api_errors_total{source="bydoxe-mark-price",code="50010"}"#) == 1)
        #expect(scrape.value(#"stream_collector_rest_api_errors_total{source="bydoxe-mark-price",code="40034"}"#) == 1)
    }

    /// A certificate the collector does not trust fails every attempt, which is retried with a
    /// growing delay and counted, logged once for the whole episode, and leaves the streams alone.
    @Test func aTLSFailureIsRetriedWhileTheStreamsFlow() async throws {
        let rest = try await RestServer.start(tls: try TestCertificates.make()) { _ in .answer(.json(Bodies.assetIndexArray)) }
        defer { Task { await rest.stop() } }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let url = "https://localhost:\(rest.port)\(Self.assetIndex)"
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, rest: "  sources:\n    - {endpoint: \(url), interval_seconds: 1}\n"),
                                       environment: DaemonProcess.metricsOnAnyPort)
        let metrics = try await daemon.metricsPort()
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("three failed attempts, each retried", within: 20) {
            let scrape = try? await Scrape.get(metrics, "/metrics")
            return (scrape?.value(#"stream_collector_rest_requests_total{source="futures-asset-index",outcome="failed"}"#) ?? 0) >= 3
        }
        let warnings = daemon.log.split(separator: "\n").filter { $0.hasPrefix("<4>") && $0.contains("request failed") && $0.contains("url=\(url)") }
        #expect(warnings.count == 1, "the first failure is a warning, the next ones only debug lines and counts:\n\(warnings.joined(separator: "\n"))")
        #expect(daemon.log.contains("retrying in") && daemon.log.contains("further failures are summarised every 5 min"))
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")
        #expect(rest.requests.isEmpty, "no request got past the handshake")
        #expect(try DataFiles(directory: daemon.dataDirectory).lines("rest-asset-index").isEmpty)
    }

    /// 429 waits `Retry-After` and 418 the ban, for every request to that host.
    @Test(arguments: [429, 418])
    func aRefusalPausesTheWholeHost(refusal: Int) async throws {
        let refusedAt = Mutex<Date?>(nil)
        let rest = try await RestServer.start { request in
            if request.path == Self.assetIndex, refusedAt.withLock({ $0 == nil }) {
                refusedAt.withLock { $0 = Date() }
                return .answer(HTTPAnswer(status: refusal, headers: [("Retry-After", "3")]))
            }
            return .answer(.json(request.path == Self.assetIndex ? Bodies.assetIndexArray : Bodies.markPriceArray))
        }
        defer { Task { await rest.stop() } }
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let base = "http://127.0.0.1:\(rest.port)"
        let daemon = try DaemonProcess(configuration: Self.configuration(port: server.port, rest: """
              sources:
                - {endpoint: \(base)\(Self.assetIndex), interval_seconds: 1}
                - {endpoint: \(base)\(Self.markPrice), interval_seconds: 1}
            """))
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the asset index after the pause", within: 20) { rest.requests(to: Self.assetIndex).count >= 2 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")
        let refused = try #require(refusedAt.withLock { $0 })
        let during = rest.requests.filter { $0.at > refused.addingTimeInterval(0.5) && $0.at < refused.addingTimeInterval(2.9) }
        #expect(during.isEmpty, "nothing is sent to the host while it is paused: \(during.map(\.uri))")
        let retried = try #require(rest.requests(to: Self.assetIndex).dropFirst().first)
        #expect(retried.at.timeIntervalSince(refused) >= 2.9, "Retry-After: 3 was honoured")
        #expect(daemon.log.contains("answered \(refusal)"))
        #expect(try DataFiles(directory: daemon.dataDirectory).lines("rest-asset-index").count > 0)
    }
}
