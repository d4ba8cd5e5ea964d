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

    @Test func targetsParseRoutedEndpoints() throws {
        let target = try WebSocketTarget(url: "wss://fstream.binance.com/market/stream")
        #expect(target == WebSocketTarget(secure: true, host: "fstream.binance.com", port: 443, path: "/market/stream"))
        #expect(try WebSocketTarget(url: "ws://127.0.0.1:9443/market/stream?streams=a/b").path == "/market/stream?streams=a/b")
        #expect(try WebSocketTarget(url: "ws://[::1]:8080").host == "::1")
        #expect(try WebSocketTarget(url: "ws://[::1]:8080").description == "ws://[::1]:8080/")
        #expect(throws: TransportError.self) { try WebSocketTarget(url: "https://x") }
        #expect(throws: TransportError.self) { try WebSocketTarget(url: "ws://host:99999/") }
    }
}
