import MarketDecoding

/// What asking for each REST document costs and needs, from the seed documents.
extension RestDocument {
    /// The parameter that narrows the answer to one element (and makes it cheap).
    public var selectiveParameter: String { self == .portfolioAssetIndexPrice ? "asset" : "symbol" }

    /// Request weight: `/fapi/v1/assetIndex` 1 with `symbol`, 10 without; Portfolio Margin 1 with
    /// `asset`, 50 without; Bydoxe publishes no weights, so 1.
    public func weight(selective: Bool) -> Int {
        switch self {
        case .futuresAssetIndex: selective ? 1 : 10
        case .portfolioAssetIndexPrice: selective ? 1 : 50
        default: 1
        }
    }

    /// Whether requests must carry `X-MBX-APIKEY` (MARKET_DATA endpoints).
    public var needsAPIKey: Bool { self == .portfolioAssetIndexPrice }

    /// The source name used when the configuration gives none.
    public var defaultSourceName: String {
        switch self {
        case .futuresAssetIndex: "futures-asset-index"
        case .portfolioAssetIndexPrice: "portfolio-asset-index"
        default: "bydoxe-mark-price"
        }
    }

    /// The server's error codes meaning the requested symbol or asset does not exist: asking
    /// again cannot succeed until the configuration changes.
    public static let unknownSymbolCodes: Set<String> = ["40034", "-1121"]
}
