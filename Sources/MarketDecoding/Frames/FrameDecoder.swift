/// Turns raw WebSocket messages from Binance's market streams into NDJSON records.
///
/// Accepts combined-stream frames (`{"stream":..,"data":..}`), bare payloads (an `!assetIndex@arr`
/// array or a single event object) and control replies. Known event types are renamed by their
/// `EventSchema` with every value copied verbatim; unknown event types are kept with their raw
/// payload; anything else becomes a `Rejection` that still holds the whole frame. Pure and
/// thread-safe: it keeps no state between frames.
public struct FrameDecoder: Sendable {
    /// Frames larger than this are not parsed; they are kept whole as `oversized` rejections.
    public let maximumFrameBytes: Int
    private let encoders = EventSchema.known.map(KnownEventEncoder.init)

    public init(maximumFrameBytes: Int) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    public func decode(_ frame: InboundFrame) -> FrameOutcome {
        var outcome = FrameOutcome()
        guard let tape = parse(frame, into: &outcome) else { return outcome }
        let root = tape.root
        switch root.kind {
        case .object:
            if let reply = Self.controlReply(root) {
                outcome.reply = reply
            } else if let stream = root["stream"], stream.kind == .string, let data = root["data"] {
                decodePayload(data, stream: stream, frame: frame, into: &outcome)
            } else {
                decodePayload(root, stream: nil, frame: frame, into: &outcome)
            }
        case .array:
            decodePayload(root, stream: nil, frame: frame, into: &outcome)
        default:
            reject(frame, .unknownShape, "top-level \(root.kind) is neither an event nor a reply", into: &outcome)
        }
        return outcome
    }

    // MARK: - Payloads

    /// What every event of one frame shares.
    private struct FrameContext {
        let frame: InboundFrame
        let tape: JSONTape
        /// The combined stream's name as on the wire, decoded, and fingerprinted for the events'
        /// identities; nil for a bare payload.
        let stream: JSONValue?
        let streamName: String?
        let streamFingerprint: Fingerprint?
        /// `"2026-11-21T13:05:01.123456Z"`, quoted.
        let recvTime: [UInt8]
        /// The lines' stream, recvTime and eventTime key, when the frame names its stream.
        let header: [UInt8]?
    }

    private func decodePayload(_ payload: JSONValue, stream: JSONValue?, frame: InboundFrame, into outcome: inout FrameOutcome) {
        let recvTime = FieldTable.quoted(UTCTime(microsecondsSinceEpoch: frame.receivedAtMicros).iso8601)
        let streamName = stream.map { $0.string ?? "" }
        let context = FrameContext(
            frame: frame, tape: payload.tape, stream: stream, streamName: streamName,
            streamFingerprint: streamName.map(EventIdentity.fingerprint(stream:)), recvTime: recvTime,
            header: stream.map { KnownEventEncoder.header(stream: Array($0.rawBytes), recvTime: recvTime) })
        payload.tape.withView { view in
            switch view.kind(payload.index) {
            case .array:
                var element = payload.index + 1, position = 0
                let end = view.next(payload.index)
                while element < end {
                    decodeEvent(element, position: position, context, view, into: &outcome)
                    element = view.next(element)
                    position += 1
                }
            case .object:
                decodeEvent(payload.index, position: nil, context, view, into: &outcome)
            default:
                reject(frame, .unknownShape, "payload is a \(payload.kind), not an event object or array", into: &outcome)
            }
        }
    }

    private static let typeKey = FieldTable.packed("e")
    private static let eventTimeKey = FieldTable.packed("E")
    private static let symbolKey = FieldTable.packed("s")

    /// One event object (`position`: its place in an array payload) → a record or a rejection.
    private func decodeEvent(_ event: Int, position: Int?, _ context: FrameContext, _ view: JSONTape.View, into outcome: inout FrameOutcome) {
        let frame = context.frame
        func reject(_ reason: RejectionReason, _ problem: String) {
            let place = position.map { "element \($0): " } ?? ""
            self.reject(frame, reason, place + problem, part: JSONValue(tape: context.tape, index: event), into: &outcome)
        }
        guard view.kind(event) == .object, let type = view.member(of: event, packedKey: Self.typeKey), view.kind(type) == .string else {
            reject(.unknownShape, "not an object with a string 'e' (event type)")
            return
        }
        guard let encoder = encoders.first(where: { view.stringEquals(type, quoted: $0.quotedType) }) else {
            let value = JSONValue(tape: context.tape, index: event)
            outcome.records.append(unknownEventRecord(value, type: JSONValue(tape: context.tape, index: type), stream: context.stream, frame: frame))
            return
        }
        guard let eventTime = view.member(of: event, packedKey: Self.eventTimeKey), view.isInteger(eventTime) else {
            reject(.schema, "\(encoder.schema.eventType) without an integer 'E' (event time)")
            return
        }
        guard let symbolIndex = view.member(of: event, packedKey: Self.symbolKey), view.kind(symbolIndex) == .string else {
            reject(.schema, "\(encoder.schema.eventType) without a string 's' (symbol)")
            return
        }
        let symbol = view.string(symbolIndex)
        let streamName = context.streamName ?? inferredStream(encoder.schema, symbol: symbol, inArray: position != nil)
        let header = context.header ?? KnownEventEncoder.header(stream: JSONLineBuilder.escaped(streamName), recvTime: context.recvTime)
        let line = encoder.line(event: event, type: type, eventTime: eventTime, header: header, in: view)
        let fingerprint = context.streamFingerprint ?? EventIdentity.fingerprint(stream: streamName)
        let identity = view.int64(eventTime).map { EventIdentity(stream: streamName, fingerprint: fingerprint, symbol: symbol, eventTime: $0) }
        outcome.records.append(Record(family: encoder.schema.family, receivedAtMicros: frame.receivedAtMicros, line: line, identity: identity))
    }

    private func unknownEventRecord(_ event: JSONValue, type: JSONValue, stream: JSONValue?, frame: InboundFrame) -> Record {
        var line = JSONLineBuilder()
        line.raw("type", type.rawBytes)
        if let stream { line.raw("stream", stream.rawBytes) } else { line.string("stream", "unknown") }
        line.string("recvTime", UTCTime(microsecondsSinceEpoch: frame.receivedAtMicros).iso8601)
        let eventTime = event["E"].flatMap { $0.isInteger ? $0 : nil }
        if let eventTime { line.raw("eventTime", eventTime.rawBytes) }
        line.raw("raw", event.rawBytes)
        // Deduplicated only when the wire names its stream and the event its time (and symbol, if any).
        let identity = stream?.string.flatMap { name in
            eventTime?.int64.map { EventIdentity(stream: name, symbol: event["s"]?.string ?? "", eventTime: $0) }
        }
        return Record(family: .otherEvents, receivedAtMicros: frame.receivedAtMicros, line: line.finishedLine(), identity: identity)
    }

    private func inferredStream(_ schema: EventSchema, symbol: String, inArray: Bool) -> String {
        switch schema.eventType {
        case EventSchema.assetIndexUpdate.eventType:
            inArray ? StreamCatalog.allAssetIndexes : StreamCatalog.assetIndex(symbol: symbol)
        case EventSchema.contractInfo.eventType:
            StreamCatalog.contractInfo
        default:
            "unknown"
        }
    }

    // MARK: - Replies

    private static func controlReply(_ root: JSONValue) -> ControlReply? {
        guard let idValue = root["id"], root["e"] == nil, root["stream"] == nil else { return nil }
        let id = idValue.int64
        if let error = root["error"] {
            return .error(id: id, code: error["code"]?.int64, message: error["msg"]?.string ?? String(decoding: error.rawBytes, as: UTF8.self))
        }
        if let result = root["result"] {
            return .result(id: id, result: String(decoding: result.rawBytes, as: UTF8.self))
        }
        return nil
    }

    // MARK: - Rejections

    /// The frame's JSON, or nil after recording why it has none (too large, binary, not UTF-8,
    /// not JSON). Shared with `RestResponseDecoder` for REST bodies (`status` set).
    func parse(_ frame: InboundFrame, into outcome: inout FrameOutcome, status: Int? = nil) -> JSONTape? {
        if frame.payload.count > maximumFrameBytes {
            reject(frame, .oversized, "\(frame.payload.count) bytes exceed the limit of \(maximumFrameBytes)", status: status, into: &outcome)
            return nil
        }
        if frame.isBinary {
            reject(frame, .binary, "binary message of \(frame.payload.count) bytes", status: status, into: &outcome)
            return nil
        }
        guard UTF8Validation.isValid(frame.payload) else {
            reject(frame, .invalidUTF8, "message is not valid UTF-8", status: status, into: &outcome)
            return nil
        }
        do {
            return try JSONTape(parsing: frame.payload)
        } catch {
            reject(frame, .invalidJSON, error.description, status: status, into: &outcome)
            return nil
        }
    }

    /// Records `frame` (or `part` of it) as rejected. A REST body passes its HTTP `status`: the
    /// line then names the frame's source as `url` and carries `status`.
    func reject(_ frame: InboundFrame, _ reason: RejectionReason, _ detail: String, part: JSONValue? = nil, status: Int? = nil,
                into outcome: inout FrameOutcome) {
        let payload = part.map { Array($0.rawBytes) } ?? frame.payload
        var line = JSONLineBuilder(capacity: payload.count + 256)
        line.string("type", "collector.rejected")
        line.string("recvTime", UTCTime(microsecondsSinceEpoch: frame.receivedAtMicros).iso8601)
        line.string("reason", reason.rawValue)
        line.string("detail", detail)
        if let status {
            line.string("url", frame.source)
            line.integer("status", status)
        } else {
            line.string("source", frame.source)
        }
        line.integer("bytes", payload.count)
        line.bool("binary", frame.isBinary)
        if !frame.isBinary, part != nil || UTF8Validation.isValid(payload) {
            line.string("encoding", "text")
            line.string("payload", String(decoding: payload, as: UTF8.self))
        } else {
            line.string("encoding", "base64")
            line.string("payload", Base64.encode(payload))
        }
        let record = Record(family: .rejected, receivedAtMicros: frame.receivedAtMicros, line: line.finishedLine())
        outcome.rejections.append(Rejection(reason: reason, detail: detail, record: record))
    }
}
