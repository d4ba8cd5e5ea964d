/// One NDJSON line ready for storage, with the facts the store needs to place it.
public struct Record: Sendable {
    /// Which file series the line belongs to.
    public let family: StreamFamily
    /// Local receive time of the frame the line came from (µs since the epoch, UTC); it picks the
    /// Hive partition (`date=`/`hour=`) the line is stored under.
    public let receivedAtMicros: Int64
    /// The complete JSON object followed by a single `\n`.
    public let line: [UInt8]

    public init(family: StreamFamily, receivedAtMicros: Int64, line: [UInt8]) {
        self.family = family
        self.receivedAtMicros = receivedAtMicros
        self.line = line
    }
}
