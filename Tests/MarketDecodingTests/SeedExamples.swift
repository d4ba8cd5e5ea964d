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
}
