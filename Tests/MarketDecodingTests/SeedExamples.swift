/// The examples from the seed documents (shared/seeds), as the wire carries them.
enum SeedExamples {
    /// seeds 002/003: `!assetIndex@arr`
    static let assetIndexArray = """
        [
            {
              "e":"assetIndexUpdate",
              "E":1686749230000,
              "s":"ADAUSD",
              "i":"0.27462452",
              "b":"0.10000000",
              "a":"0.10000000",
              "B":"0.24716207",
              "A":"0.30208698",
              "q":"0.05000000",
              "g":"0.05000000",
              "Q":"0.26089330",
              "G":"0.28835575"
            },
            {
              "e":"assetIndexUpdate",
              "E":1686749230000,
              "s":"USDTUSD",
              "i":"0.99987691",
              "b":"0.00010000",
              "a":"0.00010000",
              "B":"0.99977692",
              "A":"0.99997689",
              "q":"0.00010000",
              "g":"0.00010000",
              "Q":"0.99977692",
              "G":"0.99997689"
            }
        ]
        """

    /// seed 003: `!contractInfo` with brackets
    static let contractInfo = """
        {
            "e":"contractInfo",
            "E":1669356423908,
            "s":"IOTAUSDT",
            "ps":"IOTAUSDT",
            "ct":"PERPETUAL",
            "dt":4133404800000,
            "ot":1569398400000,
            "cs":"TRADING",
            "bks":[
                {
                    "bs":1,
                    "bnf":0,
                    "bnc":5000,
                    "mmr":0.01,
                    "cf":0,
                    "mi":21,
                    "ma":50
                },
                {
                    "bs":2,
                    "bnf":5000,
                    "bnc":25000,
                    "mmr":0.025,
                    "cf":75,
                    "mi":11,
                    "ma":20
                }
            ]
        }
        """

    /// seed 001: `GET /fapi/v1/assetIndex?symbol=ADAUSD` (one object).
    static let futuresAssetIndexObject = """
        {
            "symbol": "ADAUSD",
            "time": 1635740268004,
            "index": "1.92957370",
            "bidBuffer": "0.10000000",
            "askBuffer": "0.10000000",
            "bidRate": "1.73661633",
            "askRate": "2.12253107",
            "autoExchangeBidBuffer": "0.05000000",
            "autoExchangeAskBuffer": "0.05000000",
            "autoExchangeBidRate": "1.83309501",
            "autoExchangeAskRate": "2.02605238"
        }
        """

    /// seed 000: `GET /sapi/v1/portfolio/asset-index-price` (an array).
    static let portfolioAssetIndexPrice = """
        [
           {
               "asset": "BTC",
               "assetIndexPrice": "28251.9136906",
               "time": 1683518338121
           }
        ]
        """

    /// seed 004: Bydoxe `GET /api/v1/future/market/mark-price?symbol=BTCUSDT` (envelope around an object).
    static let bydoxeMarkPriceObject = bydoxeEnvelope(around: bydoxeBTCUSDT)

    /// seed 004: Bydoxe `GET /api/v1/future/market/mark-price` (envelope around an array).
    static let bydoxeMarkPriceArray = bydoxeEnvelope(around: "[\n\(bydoxeBTCUSDT),\n\(bydoxeETHUSDT)\n]")

    /// seed 004's envelope: `code`, `msg`, `requestTime`, then `data`.
    private static func bydoxeEnvelope(around data: String) -> String {
        """
        {
        "code": "00000",
        "msg": "success",
        "requestTime": 1732000000000,
        "data": \(data)
        }
        """
    }

    private static let bydoxeBTCUSDT = """
        {
        "symbol": "BTCUSDT",
        "markPrice": "91234.56",
        "indexPrice": "91200.12",
        "estimatedSettlePrice": "91300.00",
        "lastFundingRate": "0.0001",
        "interestRate": "0.0001",
        "nextFundingTime": 1763459280833,
        "ts": 1763459280833
        }
        """

    private static let bydoxeETHUSDT = """
        {
        "symbol": "ETHUSDT",
        "markPrice": "3456.78",
        "indexPrice": "3455.00",
        "estimatedSettlePrice": "3460.00",
        "lastFundingRate": "0.00015",
        "interestRate": "0.0001",
        "nextFundingTime": 1763459280833,
        "ts": 1763459280833
        }
        """
}
