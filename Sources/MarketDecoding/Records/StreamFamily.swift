/// A group of records that share a folder and a file series on disk.
///
/// Family names come only from this type's constants, never from the wire, so nothing a server
/// sends can steer a path. Each name is lowercase letters, digits and '-'.
public struct StreamFamily: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    private init(_ name: String) { self.name = name }

    /// `assetIndexUpdate` events from `!assetIndex@arr` and `<symbol>@assetIndex`.
    public static let assetIndex = StreamFamily("asset-index")
    /// `contractInfo` events from `!contractInfo`.
    public static let contractInfo = StreamFamily("contract-info")
    /// Valid JSON events of a type the decoder does not know, kept with their raw payload.
    public static let otherEvents = StreamFamily("other-events")
    /// `assetIndexSnapshot` records from `GET /fapi/v1/assetIndex` (polled, and after each gap).
    public static let restAssetIndex = StreamFamily("rest-asset-index")
    /// `portfolioAssetIndexPrice` records from `GET /sapi/v1/portfolio/asset-index-price`.
    public static let restPortfolioAssetIndex = StreamFamily("rest-portfolio-asset-index")
    /// `bydoxeMarkPrice` records from Bydoxe's `GET /api/v1/future/market/mark-price`.
    public static let restBydoxeMarkPrice = StreamFamily("rest-bydoxe-mark-price")
    /// Frames and REST bodies that could not be decoded, kept whole with the reason.
    public static let rejected = StreamFamily("rejected")

    public static let all: [StreamFamily] = [.assetIndex, .contractInfo, .otherEvents, .restAssetIndex,
                                             .restPortfolioAssetIndex, .restBydoxeMarkPrice, .rejected]

    public var description: String { name }
}
