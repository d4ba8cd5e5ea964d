/// A REST document the collector records: where it is served, what asking for it costs and needs,
/// and how its elements become records — everything about each document in one declaration
/// (`spec`), so that a new one is a new case and the compiler asks for each of its facts.
///
/// Each element of the response (an object, or each object of an array) becomes one record:
/// `type`, `stream` (`rest:<path>`), `recvTime`, the element's own time field as `eventTime`, its
/// key field, then every other member verbatim in the order received. Documents wrapped in an
/// envelope (`{"code","msg","requestTime","data"}`) are unwrapped first and keep `requestTime`.
public enum RestDocument: CaseIterable, Sendable {
    /// Binance USDⓈ-M futures `GET /fapi/v1/assetIndex` (Multi-Assets mode asset index).
    case futuresAssetIndex
    /// Binance Portfolio Margin Pro `GET /sapi/v1/portfolio/asset-index-price`.
    case portfolioAssetIndexPrice
    /// Bydoxe futures `GET /api/v1/future/market/mark-price`.
    case bydoxeMarkPrice

    /// The facts of one document.
    private struct Spec {
        let path: String
        let recordType: String
        let family: StreamFamily
        /// The member that names a record's symbol or asset, and the one that holds its time.
        let fields: (key: String, time: String)
        let isEnveloped: Bool
        let selectiveParameter: String
        /// Request weight with the selective parameter, and without it (the whole list).
        let weight: (selective: Int, all: Int)
        let needsAPIKey: Bool
        let defaultSourceName: String
    }

    private var spec: Spec {
        switch self {
        case .futuresAssetIndex:
            Spec(path: "/fapi/v1/assetIndex", recordType: "assetIndexSnapshot", family: .restAssetIndex,
                 fields: (key: "symbol", time: "time"), isEnveloped: false, selectiveParameter: "symbol",
                 weight: (selective: 1, all: 10), needsAPIKey: false, defaultSourceName: "futures-asset-index")
        case .portfolioAssetIndexPrice:
            Spec(path: "/sapi/v1/portfolio/asset-index-price", recordType: "portfolioAssetIndexPrice", family: .restPortfolioAssetIndex,
                 fields: (key: "asset", time: "time"), isEnveloped: false, selectiveParameter: "asset",
                 weight: (selective: 1, all: 50), needsAPIKey: true, defaultSourceName: "portfolio-asset-index")
        case .bydoxeMarkPrice:
            // Bydoxe publishes no weights: each request counts as 1.
            Spec(path: "/api/v1/future/market/mark-price", recordType: "bydoxeMarkPrice", family: .restBydoxeMarkPrice,
                 fields: (key: "symbol", time: "ts"), isEnveloped: true, selectiveParameter: "symbol",
                 weight: (selective: 1, all: 1), needsAPIKey: false, defaultSourceName: "bydoxe-mark-price")
        }
    }

    /// The request path, e.g. `/fapi/v1/assetIndex`.
    public var path: String { spec.path }
    /// The records' `type`.
    public var recordType: String { spec.recordType }
    public var family: StreamFamily { spec.family }
    /// The member naming what an element is about (`symbol`, `asset`); required.
    public var keyField: String { spec.fields.key }
    /// The element's own time (ms), written as `eventTime`.
    public var timeField: String { spec.fields.time }
    /// Whether the body is a `{"code","msg","requestTime","data"}` envelope.
    public var isEnveloped: Bool { spec.isEnveloped }
    /// The parameter that narrows the answer to one element (and makes it cheap).
    public var selectiveParameter: String { spec.selectiveParameter }
    /// Whether requests must carry `X-MBX-APIKEY` (MARKET_DATA endpoints).
    public var needsAPIKey: Bool { spec.needsAPIKey }
    /// The source name used when the configuration gives none.
    public var defaultSourceName: String { spec.defaultSourceName }

    /// Request weight of one request, with or without the selective parameter.
    public func weight(selective: Bool) -> Int { selective ? spec.weight.selective : spec.weight.all }

    /// The records' `stream`.
    public var stream: String { "rest:" + path }

    public static var known: [RestDocument] { allCases }

    /// The document served at `path` (exactly, or after a proxy's prefix).
    public static func served(at path: String) -> RestDocument? {
        allCases.first { path == $0.path || path.hasSuffix($0.path) }
    }

    /// The document whose records carry `stream`, if it is a REST stream.
    public static func recording(stream: String) -> RestDocument? {
        allCases.first { $0.stream == stream }
    }

    /// The servers' error codes meaning the requested symbol or asset does not exist: asking
    /// again cannot succeed until the configuration changes.
    public static let unknownSymbolCodes: Set<String> = ["40034", "-1121"]
}
