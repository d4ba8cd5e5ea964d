import Dispatch
import FoundationEssentials
import HTTPServing
import MarketDecoding

/// Generates Binance-like market data for offline use: an `assetIndexUpdate` for each of ~20
/// assets every second (published on `!assetIndex@arr` and each `<symbol>@assetIndex`), now
/// and then a `contractInfo` event, with or without brackets, and the REST documents of the same
/// assets (`/fapi/v1/assetIndex`, Portfolio Margin's asset index price, Bydoxe's mark price, through
/// `answer(_:)`).
public final class MarketSimulator: @unchecked Sendable {
    // @unchecked: `assets`, `ticks`, the generator and the timer are only touched on `queue` (checked).
    private struct Asset {
        let symbol: String
        var index: Int64  // in units of 1e-8
        let buffer: Int64
        let autoBuffer: Int64
    }

    private let hub: MarketHub
    private let queue = DispatchQueue(label: "stream-collector.simulator")
    private var timer: DispatchSourceTimer?
    private var assets: [Asset]
    private var generator = SystemRandomNumberGenerator()
    private var ticks = 0
    private var lastEventTime = Int64(Date().timeIntervalSince1970) * 1000
    private var nextContractInfoTick = 3

    public static let symbols = [
        "BTCUSD", "ETHUSD", "BNBUSD", "ADAUSD", "USDTUSD", "USDCUSD", "FDUSDUSD", "XRPUSD", "SOLUSD", "DOGEUSD",
        "DOTUSD", "LTCUSD", "LINKUSD", "AVAXUSD", "MATICUSD", "TRXUSD", "BCHUSD", "ETCUSD", "FILUSD", "ATOMUSD",
    ]

    public init(hub: MarketHub) {
        self.hub = hub
        let starts: [Int64] = [9_123_456_000_000, 345_678_000_000, 61_234_000_000, 27_462_452, 99_987_691, 100_001_000, 99_995_000,
                               61_000_000, 14_321_000_000, 8_765_432, 712_345_678, 8_123_456_789, 1_512_345_678, 3_612_345_678,
                               81_234_567, 12_345_678, 45_612_345_678, 2_612_345_678, 512_345_678, 912_345_678]
        assets = zip(Self.symbols, starts).map { symbol, start in
            let stable = symbol.hasPrefix("USD") || symbol.hasPrefix("FDUSD")
            return Asset(symbol: symbol, index: start, buffer: stable ? 10_000 : 10_000_000, autoBuffer: stable ? 10_000 : 5_000_000)
        }
    }

    /// Starts publishing, aligned to whole seconds like Binance's 1 s ticks.
    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        timer.schedule(deadline: .now() + .milliseconds(Int(1000 - nowMs % 1000)), repeating: 1)
        timer.setEventHandler { [unowned self] in tick() }
        timer.resume()
        self.timer = timer
    }

    public func stop() {
        queue.sync { timer?.cancel() }
    }

    private func tick() {
        dispatchPrecondition(condition: .onQueue(queue))
        let eventTime = Int64(Date().timeIntervalSince1970) * 1000
        lastEventTime = eventTime
        var events: [String] = []
        for position in assets.indices {
            let step = Int64.random(in: -20...20, using: &generator)
            assets[position].index = max(1, assets[position].index + assets[position].index / 10_000 * step / 10)
            let event = Self.assetIndexEvent(assets[position], eventTime: eventTime)
            events.append(event)
            hub.publish(stream: StreamCatalog.assetIndex(symbol: assets[position].symbol), payload: event)
        }
        hub.publish(stream: StreamCatalog.allAssetIndexes, payload: "[" + events.joined(separator: ",") + "]")
        ticks += 1
        if ticks >= nextContractInfoTick {
            nextContractInfoTick = ticks + Int.random(in: 5...15, using: &generator)
            hub.publish(stream: StreamCatalog.contractInfo, payload: contractInfoEvent(eventTime: eventTime + Int64.random(in: 1...999, using: &generator)))
        }
    }

    /// The REST documents, shaped as their servers shape them; 404 for other paths:
    /// - `/fapi/v1/assetIndex[?symbol=]`: an object for one symbol, an array for all;
    /// - `/sapi/v1/portfolio/asset-index-price[?asset=]`: an array; 401 without `X-MBX-APIKEY`;
    /// - `/api/v1/future/market/mark-price[?symbol=]` (Bydoxe, `BTCUSDT` ...): an envelope around an
    ///   object or an array; an unknown symbol is code 40034.
    public func answer(_ request: PlainHTTPRequest) -> HTTPAnswer {
        guard let document = RestDocument.served(at: request.path), request.path == document.path else { return .notFound }
        let selected = request.parameter(document.selectiveParameter)
        switch document {
        case .futuresAssetIndex:
            let symbol = selected
            return queue.sync {
                let objects = assets.filter { symbol == nil || $0.symbol == symbol }.map { Self.restObject($0, time: lastEventTime) }
                if symbol != nil {
                    return objects.first.map { HTTPAnswer.json($0) } ?? HTTPAnswer(status: 400, body: #"{"code":-1121,"msg":"Invalid symbol."}"#)
                }
                return .json("[" + objects.joined(separator: ",") + "]")
            }
        case .portfolioAssetIndexPrice:
            guard let key = request.header("X-MBX-APIKEY"), !key.isEmpty else {
                return HTTPAnswer(status: 401, headers: [("Content-Type", "application/json")], body: #"{"code":-2014,"msg":"API-key format invalid."}"#)
            }
            let asset = selected
            return queue.sync {
                let objects = assets.filter { asset == nil || $0.symbol == asset! + "USD" }.map { asset in
                    #"{"asset":"\#(asset.symbol.dropLast(3))","assetIndexPrice":"\#(Self.decimal(asset.index))","time":\#(lastEventTime)}"#
                }
                if asset != nil, objects.isEmpty { return HTTPAnswer(status: 400, body: #"{"code":-1121,"msg":"Invalid symbol."}"#) }
                return .json("[" + objects.joined(separator: ",") + "]")
            }
        case .bydoxeMarkPrice:
            let symbol = selected
            return queue.sync {
                let requestTime = Int64(Date().timeIntervalSince1970 * 1000)
                let objects = assets.filter { symbol == nil || $0.symbol.dropLast(3) + "USDT" == symbol! }.map { markPriceObject($0) }
                if symbol != nil {
                    guard let object = objects.first else {
                        return HTTPAnswer(status: 400, headers: [("Content-Type", "application/json")],
                                          body: #"{"code":"40034","msg":"symbol does not exist","requestTime":\#(requestTime),"data":null}"#)
                    }
                    return .json(#"{"code":"00000","msg":"success","requestTime":\#(requestTime),"data":\#(object)}"#)
                }
                return .json(#"{"code":"00000","msg":"success","requestTime":\#(requestTime),"data":[\#(objects.joined(separator: ","))]}"#)
            }
        }
    }

    private static func restObject(_ asset: Asset, time: Int64) -> String {
        let rates = Self.rates(asset)
        return #"{"symbol":"\#(asset.symbol)","time":\#(time),"index":"\#(decimal(asset.index))","bidBuffer":"\#(decimal(asset.buffer))","askBuffer":"\#(decimal(asset.buffer))","bidRate":"\#(decimal(rates.bid))","askRate":"\#(decimal(rates.ask))","autoExchangeBidBuffer":"\#(decimal(asset.autoBuffer))","autoExchangeAskBuffer":"\#(decimal(asset.autoBuffer))","autoExchangeBidRate":"\#(decimal(rates.autoBid))","autoExchangeAskRate":"\#(decimal(rates.autoAsk))"}"#
    }

    /// Bydoxe's mark price of the asset's USDT contract: mark a little off the index, funding every 8 h.
    private func markPriceObject(_ asset: Asset) -> String {
        dispatchPrecondition(condition: .onQueue(queue))
        let mark = asset.index + asset.index / 10_000 * Int64.random(in: -5...5, using: &generator)
        let nextFunding = (lastEventTime / 28_800_000 + 1) * 28_800_000
        return #"{"symbol":"\#(asset.symbol.dropLast(3))USDT","markPrice":"\#(Self.decimal(mark))","indexPrice":"\#(Self.decimal(asset.index))","estimatedSettlePrice":"\#(Self.decimal(mark))","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":\#(nextFunding),"ts":\#(lastEventTime)}"#
    }

    private static func rates(_ asset: Asset) -> (bid: Int64, ask: Int64, autoBid: Int64, autoAsk: Int64) {
        let i = asset.index
        func spread(_ buffer: Int64) -> Int64 { i / 100_000_000 * buffer + i % 100_000_000 * buffer / 100_000_000 }
        return (i - spread(asset.buffer), i + spread(asset.buffer), i - spread(asset.autoBuffer), i + spread(asset.autoBuffer))
    }

    private static func assetIndexEvent(_ asset: Asset, eventTime: Int64) -> String {
        let rates = Self.rates(asset)
        return #"{"e":"assetIndexUpdate","E":\#(eventTime),"s":"\#(asset.symbol)","i":"\#(decimal(asset.index))","b":"\#(decimal(asset.buffer))","a":"\#(decimal(asset.buffer))","B":"\#(decimal(rates.bid))","A":"\#(decimal(rates.ask))","q":"\#(decimal(asset.autoBuffer))","g":"\#(decimal(asset.autoBuffer))","Q":"\#(decimal(rates.autoBid))","G":"\#(decimal(rates.autoAsk))"}"#
    }

    private func contractInfoEvent(eventTime: Int64) -> String {
        dispatchPrecondition(condition: .onQueue(queue))
        let base = Self.symbols.randomElement(using: &generator)!.dropLast(3)
        let coinMargined = Bool.random(using: &generator)
        let symbol = coinMargined ? "\(base)USD_PERP" : "\(base)USDT"
        let status = ["TRADING", "TRADING", "PENDING_TRADING", "PRE_SETTLE", "SETTLING"].randomElement(using: &generator)!
        var event = #"{"e":"contractInfo","E":\#(eventTime),"s":"\#(symbol)","ps":"\#(base)\#(coinMargined ? "USD" : "USDT")","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"\#(status)","st":\#(coinMargined ? 2 : 1)"#
        if Bool.random(using: &generator) {
            event += #","bks":[{"bs":1,"bnf":0,"bnc":5000,"mmr":0.01,"cf":0,"mi":21,"ma":50},{"bs":2,"bnf":5000,"bnc":25000,"mmr":0.025,"cf":75,"mi":11,"ma":20}]"#
        }
        return event + "}"
    }

    /// 27462452 → "0.27462452"
    static func decimal(_ units: Int64) -> String {
        let fraction = String(units % 100_000_000)
        return "\(units / 100_000_000).\(String(repeating: "0", count: 8 - fraction.count))\(fraction)"
    }
}
