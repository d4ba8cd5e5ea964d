/// A REST document the collector records, and how its elements become records.
///
/// Each element of the response (an object, or each object of an array) becomes one record:
/// `type`, `stream` (`rest:<path>`), `recvTime`, the element's own time field as `eventTime`, its
/// key field, then every other member verbatim in the order received. Documents wrapped in an
/// envelope (`{"code","msg","requestTime","data"}`) are unwrapped first and keep `requestTime`.
public struct RestDocument: Sendable, Hashable {
    /// The request path, e.g. `/fapi/v1/assetIndex`.
    public let path: String
    /// The records' `type`.
    public let recordType: String
    public let family: StreamFamily
    /// The member naming what an element is about (`symbol`, `asset`); required.
    public let keyField: String
    /// The element's own time (ms), written as `eventTime`.
    public let timeField: String
    /// Whether the body is a `{"code","msg","requestTime","data"}` envelope.
    public let isEnveloped: Bool

    /// The records' `stream`.
    public var stream: String { "rest:" + path }

    /// Binance USDⓈ-M futures `GET /fapi/v1/assetIndex` (Multi-Assets mode asset index).
    public static let futuresAssetIndex = RestDocument(
        path: "/fapi/v1/assetIndex", recordType: "assetIndexSnapshot", family: .restAssetIndex,
        keyField: "symbol", timeField: "time", isEnveloped: false)
    /// Binance Portfolio Margin Pro `GET /sapi/v1/portfolio/asset-index-price`.
    public static let portfolioAssetIndexPrice = RestDocument(
        path: "/sapi/v1/portfolio/asset-index-price", recordType: "portfolioAssetIndexPrice", family: .restPortfolioAssetIndex,
        keyField: "asset", timeField: "time", isEnveloped: false)
    /// Bydoxe futures `GET /api/v1/future/market/mark-price`.
    public static let bydoxeMarkPrice = RestDocument(
        path: "/api/v1/future/market/mark-price", recordType: "bydoxeMarkPrice", family: .restBydoxeMarkPrice,
        keyField: "symbol", timeField: "ts", isEnveloped: true)

    public static let known: [RestDocument] = [.futuresAssetIndex, .portfolioAssetIndexPrice, .bydoxeMarkPrice]

    /// The document served at `path` (exactly, or after a proxy's prefix).
    public static func served(at path: String) -> RestDocument? {
        known.first { path == $0.path || path.hasSuffix($0.path) }
    }

    /// The document whose records carry `stream`, if it is a REST stream.
    public static func recording(stream: String) -> RestDocument? {
        known.first { $0.stream == stream }
    }
}
