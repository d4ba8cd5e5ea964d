/// One NDJSON line ready for storage, with the facts the store needs to place it.
public struct Record: Sendable {
    /// Which file series the line belongs to.
    public let family: StreamFamily
    /// Local receive time of the frame the line came from (µs since the epoch, UTC); it picks the
    /// Hive partition (`date=`/`hour=`) the line is stored under.
    public let receivedAtMicros: Int64
    /// The complete JSON object followed by a single `\n` (the records of one frame share one
    /// buffer: each line is a slice of it).
    public let line: ArraySlice<UInt8>
    /// What makes this event the same event when two connections deliver it; nil for lines that
    /// are never deduplicated (headers, rejections, gaps, snapshots).
    public let identity: EventIdentity?

    public init(family: StreamFamily, receivedAtMicros: Int64, line: ArraySlice<UInt8>, identity: EventIdentity? = nil) {
        self.family = family
        self.receivedAtMicros = receivedAtMicros
        self.line = line
        self.identity = identity
    }

    public init(family: StreamFamily, receivedAtMicros: Int64, line: [UInt8], identity: EventIdentity? = nil) {
        self.init(family: family, receivedAtMicros: receivedAtMicros, line: line[...], identity: identity)
    }
}

/// An event's identity for deduplication: stream, symbol and event time (`E`, ms). Binance's
/// market events carry no sequence number, so this is the finest key the wire offers.
public struct EventIdentity: Equatable, Sendable {
    /// The stream's name (storage lists the streams of the records it had to drop).
    public let stream: String
    /// The event's time (`E`, ms since the epoch): with the record's receive time, its lag.
    public let eventTime: Int64
    /// Stream, symbol and event time in one fingerprint: what deduplication compares, two words
    /// however long the names.
    public let key: Fingerprint

    public init(stream: String, symbol: String, eventTime: Int64) {
        var key = Self.fingerprint(stream: stream)
        key.add(symbol)
        self.init(stream: stream, streamAndSymbol: key, eventTime: eventTime)
    }

    /// The same identity with its symbol read straight from the string at `symbol` on a tape;
    /// `fingerprint` is `fingerprint(stream:)` of `stream`, computed once for all the events of a frame.
    init(stream: String, fingerprint: Fingerprint, symbol: Int, in view: JSONTape.View, eventTime: Int64) {
        var key = fingerprint
        view.addText(of: symbol, to: &key)
        self.init(stream: stream, streamAndSymbol: key, eventTime: eventTime)
    }

    private init(stream: String, streamAndSymbol key: Fingerprint, eventTime: Int64) {
        var key = key
        key.add(UInt64(bitPattern: eventTime))
        self.stream = stream
        self.eventTime = eventTime
        self.key = key
    }

    public static func fingerprint(stream: String) -> Fingerprint {
        var fingerprint = Fingerprint()
        fingerprint.add(stream)
        return fingerprint
    }
}
