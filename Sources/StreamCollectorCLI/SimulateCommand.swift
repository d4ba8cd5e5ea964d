import ArgumentParser
import Collector
import MarketServer
import SystemService

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve simulated Binance market streams and REST documents for offline use.",
        discussion: """
            Serves /market/ws[/<streams>] and /market/stream?streams=... with SUBSCRIBE, UNSUBSCRIBE,
            LIST_SUBSCRIPTIONS and SET_PROPERTY/GET_PROPERTY, assetIndexUpdate for 20 assets every
            second and an occasional contractInfo, and the REST documents of the same assets:
            GET /fapi/v1/assetIndex, /sapi/v1/portfolio/asset-index-price (any X-MBX-APIKEY) and
            Bydoxe's /api/v1/future/market/mark-price (symbols like BTCUSDT; others answer 40034).
            Point the collector at ws://HOST:PORT/market, rest.endpoint and rest.sources at
            http://HOST:PORT (config/demo.yaml does).
            """)

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:9443"

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, for example 127.0.0.1:9443")
        }
        let host = String(listen[..<colon])
        let hub = MarketHub()
        let simulator = MarketSimulator(hub: hub)
        let server = try await WebSocketServer.start(host: host, port: port, handler: hub, answer: simulator.answer)
        simulator.start()
        StandardError.print("stream-collector simulate: simulating Binance market streams on ws://\(host):\(server.port)/market and REST on http://\(host):\(server.port) (Ctrl-C to stop)")
        for await _ in Signals.stream(of: [.terminate, .interrupt]) { break }
        simulator.stop()
        await server.stop()
    }
}
