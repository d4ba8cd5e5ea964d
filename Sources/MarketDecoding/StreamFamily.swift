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
    /// Frames that could not be decoded, kept whole with the reason.
    public static let rejected = StreamFamily("rejected")

    public static let all: [StreamFamily] = [.assetIndex, .contractInfo, .otherEvents, .rejected]

    /// The family whose files hold the events of a subscribed stream name.
    public static func of(stream: String) -> StreamFamily {
        if stream == "!contractInfo" { return .contractInfo }
        if stream == "!assetIndex@arr" || stream.hasSuffix("@assetIndex") { return .assetIndex }
        return .otherEvents
    }

    public var description: String { name }
}
