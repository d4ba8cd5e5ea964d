/// The market streams the collector knows, by name: how a per-symbol name is made, which family
/// their records go to, and which ones tick every second (the rest may be silent for days). The
/// one place these names are spelled.
public enum StreamCatalog {
    /// Every asset index, in one frame a second (`assetIndexUpdate` elements in an array).
    public static let allAssetIndexes = "!assetIndex@arr"
    /// Contract listings, settlements and bracket changes: pushed only when something changes.
    public static let contractInfo = "!contractInfo"
    private static let assetIndexSuffix = "@assetIndex"

    /// `<symbol>@assetIndex`, lowercased as Binance names it.
    public static func assetIndex(symbol: String) -> String {
        symbol.lowercased() + assetIndexSuffix
    }

    /// The family whose files hold the records of a stream (subscribed, or `rest:<path>`).
    public static func family(of stream: String) -> StreamFamily {
        if let document = RestDocument.recording(stream: stream) { return document.family }
        if stream == contractInfo { return .contractInfo }
        if stream == allAssetIndexes || stream.hasSuffix(assetIndexSuffix) { return .assetIndex }
        return .otherEvents
    }

    /// Whether a stream is pushed only on change, so that its silence proves nothing (a liveness
    /// watchdog must not fire on it alone).
    public static func isSparse(_ stream: String) -> Bool {
        stream == contractInfo
    }
}
