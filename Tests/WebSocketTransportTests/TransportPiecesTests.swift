import Testing
@testable import WebSocketTransport

@Suite struct TransportPiecesTests {
    @Test func budgetPausesAboveTheHighMarkAndResumesAtTheLowMark() {
        let budget = ReceiveBudget(high: 1000, low: 500)
        #expect(budget.charge(600) == false)
        #expect(budget.charge(600) == true)   // 1200 > 1000: pause
        #expect(budget.isPaused)
        #expect(budget.charge(100) == false)  // already paused
        #expect(budget.credit(600) == false)  // 700 > 500: still paused
        #expect(budget.credit(200) == true)   // 500: resume
        #expect(!budget.isPaused)
        #expect(budget.outstandingBytes == 500)
    }

    @Test func retryAfterIsReadAsWholeSecondsAfterLeadingSpaces() {
        #expect(HTTPResponse(status: 429, retryAfter: " 2", body: []).retryAfterSeconds == 2)
        #expect(HTTPResponse(status: 429, retryAfter: "17", body: []).retryAfterSeconds == 17)
        #expect(HTTPResponse(status: 429, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", body: []).retryAfterSeconds == nil)
    }

    @Test func targetsParseRoutedEndpointsAndRestBases() throws {
        let webSocket = NetworkTarget.Scheme.webSocket
        let target = try NetworkTarget(url: "wss://fstream.binance.com/market/stream", accepting: webSocket)
        #expect(target == NetworkTarget(scheme: .wss, host: "fstream.binance.com", port: 443, path: "/market/stream"))
        #expect(try NetworkTarget(url: "ws://127.0.0.1:9443/market/stream?streams=a/b", accepting: webSocket).path == "/market/stream?streams=a/b")
        #expect(try NetworkTarget(url: "ws://[::1]:8080", accepting: webSocket).host == "::1")
        #expect(try NetworkTarget(url: "ws://[::1]:8080", accepting: webSocket).description == "ws://[::1]:8080/")
        #expect(throws: TransportError.self) { try NetworkTarget(url: "https://x", accepting: webSocket) }
        #expect(throws: TransportError.self) { try NetworkTarget(url: "ws://host:99999/", accepting: webSocket) }
        let rest = try NetworkTarget(url: "https://fapi.binance.com", accepting: NetworkTarget.Scheme.web)
        #expect(rest.secure && rest.port == 443 && rest.path == "/")
        #expect(try NetworkTarget(url: "http://127.0.0.1:8080/x", accepting: NetworkTarget.Scheme.web).description == "http://127.0.0.1:8080/x")
    }
}
