/// Turns the body of `GET /fapi/v1/assetIndex` into `assetIndexSnapshot` records, one per
/// element, in the `asset-index` family.
///
/// The REST fields already have readable names; they are copied verbatim, in the order received,
/// with `time` written as `eventTime` so snapshots line up with the stream's records. A body that
/// is not a JSON array (or single object) of objects with `symbol` becomes a rejection, whole.
public struct SnapshotDecoder: Sendable {
    /// The `stream` value of snapshot records.
    public static let assetIndexStream = "rest:/fapi/v1/assetIndex"
    public static let assetIndexType = "assetIndexSnapshot"

    private let frames: FrameDecoder

    public var maximumBodyBytes: Int { frames.maximumFrameBytes }

    public init(maximumBodyBytes: Int) {
        frames = FrameDecoder(maximumFrameBytes: maximumBodyBytes)
    }

    public func decodeAssetIndex(_ body: [UInt8], receivedAtMicros: Int64) -> FrameOutcome {
        let frame = InboundFrame(payload: body, isBinary: false, receivedAtMicros: receivedAtMicros, source: Self.assetIndexStream)
        var outcome = FrameOutcome()
        guard let tape = frames.parse(frame, into: &outcome) else { return outcome }
        let elements: [JSONValue]
        switch tape.root.kind {
        case .array: elements = tape.root.elements
        case .object: elements = [tape.root]
        default:
            frames.reject(frame, .unknownShape, "response is a \(tape.root.kind), not an array of asset indexes", into: &outcome)
            return outcome
        }
        let recvTime = UTCTime(microsecondsSinceEpoch: receivedAtMicros).iso8601
        for (position, element) in elements.enumerated() {
            guard element.kind == .object, let symbol = element["symbol"], symbol.kind == .string else {
                frames.reject(frame, .schema, "element \(position): not an object with a string 'symbol'", part: element, into: &outcome)
                continue
            }
            var line = JSONLineBuilder()
            line.string("type", Self.assetIndexType)
            line.string("stream", Self.assetIndexStream)
            line.string("recvTime", recvTime)
            if let time = element["time"] { line.raw("eventTime", time.rawBytes) }
            line.raw("symbol", symbol.rawBytes)
            for member in element.members where !member.key.isString("symbol") && !member.key.isString("time") {
                line.raw(member.key.string ?? "", member.value.rawBytes)
            }
            outcome.records.append(Record(family: .assetIndex, receivedAtMicros: receivedAtMicros, line: line.finishedLine()))
        }
        return outcome
    }
}
