/// A stretch of time in which events of some streams may be missing from the files, and why.
///
/// Written as a `collector.gap` line into the files of the family it concerns, so a reader of those
/// files alone learns what they lack. `from` and `to` are wall-clock receive times: events whose
/// `eventTime` falls strictly between them may be missing; events at the edges were received. Its
/// `seconds` is the real length: measured on the monotonic clock when one run saw both ends, so
/// it differs from `to − from` by any step of the wall clock in between.
public struct Gap: Sendable, Equatable {
    /// Why the gap happened; the `reason` field of the record.
    public enum Reason: String, Sendable {
        /// The connection carrying the streams closed or failed, or went silent.
        case connectionLost = "connection-lost"
        /// The disk refused writes for longer than the buffer could hold; the oldest records were dropped.
        case bufferOverflow = "buffer-overflow"
        /// The collector was not running (found at start-up) or stopped while the streams were down.
        case collectorDown = "collector-down"
    }

    public var family: StreamFamily
    public var streams: [String]
    public var fromMicros: Int64
    public var toMicros: Int64
    public var reason: Reason
    /// Human-readable cause (close code, error text, ...).
    public var detail: String
    /// The connection label (`market-1`), `storage`, or `collector`.
    public var source: String
    /// For `bufferOverflow`: how many records were dropped.
    public var droppedRecords: Int?
    /// The length measured on the monotonic clock; nil: `toMicros − fromMicros`.
    public var elapsedMicros: Int64?

    public init(family: StreamFamily, streams: [String], fromMicros: Int64, toMicros: Int64, reason: Reason,
                detail: String, source: String, droppedRecords: Int? = nil, elapsedMicros: Int64? = nil) {
        self.family = family
        self.streams = streams
        self.fromMicros = fromMicros
        self.toMicros = toMicros
        self.reason = reason
        self.detail = detail
        self.source = source
        self.droppedRecords = droppedRecords
        self.elapsedMicros = elapsedMicros
    }

    /// How long the gap lasted, in microseconds.
    public var lengthMicros: Int64 { elapsedMicros ?? (toMicros - fromMicros) }

    /// The `collector.gap` line, stored in the partition of `writtenAtMicros`.
    public func record(writtenAtMicros: Int64) -> Record {
        var line = JSONLineBuilder(capacity: 256 + streams.reduce(0) { $0 + $1.utf8.count + 3 })
        line.string("type", "collector.gap")
        line.string("recvTime", UTCTime(microsecondsSinceEpoch: writtenAtMicros).iso8601)
        line.string("from", UTCTime(microsecondsSinceEpoch: fromMicros).iso8601)
        line.string("to", UTCTime(microsecondsSinceEpoch: toMicros).iso8601)
        line.integer("fromMs", fromMicros / 1000)
        line.integer("toMs", (toMicros + 999) / 1000)
        line.raw("seconds", Array(Self.seconds(lengthMicros).utf8))
        line.string("reason", reason.rawValue)
        line.string("detail", detail)
        line.string("source", source)
        if let droppedRecords { line.integer("droppedRecords", droppedRecords) }
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (position, stream) in streams.enumerated() {
            if position > 0 { list.append(UInt8(ascii: ",")) }
            JSONLineBuilder.appendEscaped(stream, to: &list)
        }
        list.append(UInt8(ascii: "]"))
        line.raw("streams", list)
        return Record(family: family, receivedAtMicros: writtenAtMicros, line: line.finishedLine())
    }

    /// `micros` as seconds with millisecond precision (truncated), e.g. `12.345`.
    private static func seconds(_ micros: Int64) -> String {
        SecondsText.milliseconds(count: max(0, micros) / 1000)
    }
}
