/// How one Binance event type maps from one-letter wire fields to the readable record fields.
///
/// `e` becomes `type` and `E` becomes `eventTime` for every schema; the table lists the rest in the
/// order they are written. Wire fields not in the table are kept under `extra`.
public struct EventSchema: Sendable {
    /// A wire field and the readable name it is written under.
    public struct Field: Sendable {
        public let wire: String
        public let name: String
    }

    /// An array of nested objects, renamed field by field (contractInfo's `bks` → `brackets`).
    public struct NestedList: Sendable {
        public let wire: String
        public let name: String
        public let fields: [Field]
    }

    public let eventType: String
    public let family: StreamFamily
    public let fields: [Field]
    public let nested: NestedList?

    /// Multi-Assets mode asset index (`!assetIndex@arr`, `<symbol>@assetIndex`).
    public static let assetIndexUpdate = EventSchema(
        eventType: "assetIndexUpdate", family: .assetIndex,
        fields: pairs([
            ("s", "symbol"), ("i", "index"), ("b", "bidBuffer"), ("a", "askBuffer"),
            ("B", "bidRate"), ("A", "askRate"), ("q", "autoExchangeBidBuffer"),
            ("g", "autoExchangeAskBuffer"), ("Q", "autoExchangeBidRate"), ("G", "autoExchangeAskRate"),
        ]),
        nested: nil)

    /// Listing, settlement and bracket changes (`!contractInfo`). `st` is written as `futuresType`
    /// (1 USDⓈ-M, 2 COIN-M).
    public static let contractInfo = EventSchema(
        eventType: "contractInfo", family: .contractInfo,
        fields: pairs([
            ("s", "symbol"), ("ps", "pair"), ("ct", "contractType"), ("dt", "deliveryDate"),
            ("ot", "onboardDate"), ("cs", "status"), ("st", "futuresType"),
        ]),
        nested: NestedList(wire: "bks", name: "brackets", fields: pairs([
            ("bs", "bracket"), ("bnf", "notionalFloor"), ("bnc", "notionalCap"),
            ("mmr", "maintMarginRatio"), ("cf", "cum"), ("mi", "minLeverage"), ("ma", "maxLeverage"),
        ])))

    public static let known: [EventSchema] = [.assetIndexUpdate, .contractInfo]

    private static func pairs(_ list: [(String, String)]) -> [Field] {
        list.map { Field(wire: $0.0, name: $0.1) }
    }
}
