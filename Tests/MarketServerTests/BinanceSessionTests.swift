import Testing
import MarketServer

/// The simulator's session speaks Binance's live protocol (it is also what replay will serve).
@Suite struct BinanceSessionTests {
    @Test func routedCombinedConnectionSubscribesListsAndUnsubscribes() {
        var session = BinanceSession(path: "/market/stream?streams=!contractInfo")
        #expect(session.routed && session.combined)
        #expect(session.handle(request: #"{"method":"SUBSCRIBE","params":["!assetIndex@arr","adausd@assetIndex"],"id":1}"#) == #"{"result":null,"id":1}"#)
        #expect(session.handle(request: #"{"method":"LIST_SUBSCRIPTIONS","id":3}"#) == #"{"result":["!contractInfo","!assetIndex@arr","adausd@assetIndex"],"id":3}"#)
        #expect(session.frame(for: "adausd@assetIndex", payload: "{}") == #"{"stream":"adausd@assetIndex","data":{}}"#)
        #expect(session.handle(request: #"{"method":"UNSUBSCRIBE","params":["adausd@assetIndex"],"id":4}"#) == #"{"result":null,"id":4}"#)
        #expect(session.frame(for: "adausd@assetIndex", payload: "{}") == nil)
        #expect(session.handle(request: #"{"method":"SET_PROPERTY","params":["combined",false],"id":5}"#) == #"{"result":null,"id":5}"#)
        #expect(session.handle(request: #"{"method":"GET_PROPERTY","params":["combined"],"id":6}"#) == #"{"result":false,"id":6}"#)
        #expect(session.frame(for: "!contractInfo", payload: "{}") == "{}")
    }

    @Test func rawPathStreamsAndErrors() {
        var session = BinanceSession(path: "/market/ws/!assetIndex@arr/btcusd@assetIndex")
        #expect(!session.combined)
        #expect(session.subscriptions == ["!assetIndex@arr", "btcusd@assetIndex"])
        #expect(session.handle(request: "{not json") == #"{"error":{"code":3,"msg":"Invalid JSON: the request could not be parsed"},"id":null}"#)
        #expect(session.handle(request: #"{"method":"NOPE","id":9}"#) == #"{"error":{"code":2,"msg":"Invalid request: unknown method"},"id":9}"#)
        #expect(session.handle(request: #"{"method":"SUBSCRIBE","params":[1],"id":2}"#).contains(#""code":2"#))
    }

    /// Binance takes request ids as unsigned integers, strings or null, and echoes them.
    @Test func requestIdsOfEveryKindAreEchoed() {
        var session = BinanceSession(path: "/market/stream")
        #expect(session.handle(request: #"{"method":"SUBSCRIBE","params":["btcusd@assetIndex"],"id":null}"#) == #"{"result":null,"id":null}"#)
        #expect(session.handle(request: #"{"method":"LIST_SUBSCRIPTIONS","id":"list-1"}"#) == #"{"result":["btcusd@assetIndex"],"id":"list-1"}"#)
        #expect(session.handle(request: #"{"method":"GET_PROPERTY","params":["combined"],"id":18446744073709551}"#) == #"{"result":true,"id":18446744073709551}"#)
        #expect(session.handle(request: #"{"method":"LIST_SUBSCRIPTIONS","id":-1}"#).contains(#""code":2"#), "a negative id is refused")
    }

    @Test func anUnroutedConnectionIsAcknowledgedButGetsNoData() {
        var session = BinanceSession(path: "/stream")
        #expect(!session.routed)
        #expect(session.handle(request: #"{"method":"SUBSCRIBE","params":["!assetIndex@arr"],"id":1}"#) == #"{"result":null,"id":1}"#)
        #expect(session.frame(for: "!assetIndex@arr", payload: "[]") == nil)
    }

    /// Binance's `/public` (high-frequency book data) and `/private` (user data) routes accept the
    /// same requests, but the asset index and contract info are only on `/market`.
    @Test func thePublicAndPrivateRoutesAreAcknowledgedWithoutMarketData() {
        for path in ["/public/stream?streams=!assetIndex@arr", "/public/ws/btcusd@assetIndex", "/private/stream", "/private/ws"] {
            var session = BinanceSession(path: path)
            #expect(!session.routed, "\(path)")
            #expect(session.handle(request: #"{"method":"SUBSCRIBE","params":["!assetIndex@arr","!contractInfo"],"id":"a"}"#) == #"{"result":null,"id":"a"}"#)
            #expect(session.handle(request: #"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#) == #"{"result":\#(path.contains("/stream")),"id":2}"#)
            #expect(session.frame(for: "!assetIndex@arr", payload: "[]") == nil && session.frame(for: "!contractInfo", payload: "{}") == nil)
        }
    }
}
