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

    private func decodePayload(_ payload: JSONValue, stream: JSONValue?, frame: InboundFrame, into outcome: inout FrameOutcome) {
        switch payload.kind {
        case .array:
            for (position, element) in payload.elements.enumerated() {
                decodeEvent(element, stream: stream, element: position, frame: frame, into: &outcome)
            }
        case .object:
            decodeEvent(payload, stream: stream, element: nil, frame: frame, into: &outcome)
        default:
            reject(frame, .unknownShape, "payload is a \(payload.kind), not an event object or array", into: &outcome)
        }
    }

    private func decodeEvent(_ event: JSONValue, stream: JSONValue?, element: Int?, frame: InboundFrame, into outcome: inout FrameOutcome) {
        let place = element.map { "element \($0): " } ?? ""
        guard event.kind == .object, let type = event["e"], type.kind == .string else {
            reject(frame, .unknownShape, place + "not an object with a string 'e' (event type)", part: event, into: &outcome)
            return
        }
        guard let schema = EventSchema.known.first(where: { type.isString($0.eventType) }) else {
            outcome.records.append(unknownEventRecord(event, type: type, stream: stream, inArray: element != nil, frame: frame))
            return
        }
        guard let eventTime = event["E"], eventTime.isInteger else {
            reject(frame, .schema, place + "\(schema.eventType) without an integer 'E' (event time)", part: event, into: &outcome)
            return
        }
        guard let symbol = event["s"], symbol.kind == .string else {
            reject(frame, .schema, place + "\(schema.eventType) without a string 's' (symbol)", part: event, into: &outcome)
            return
        }
        let streamName = stream?.string ?? inferredStream(schema, symbol: symbol, inArray: element != nil)
        var line = JSONLineBuilder()
        line.raw("type", type.rawBytes)
        if let stream { line.raw("stream", stream.rawBytes) } else { line.string("stream", streamName) }
        line.string("recvTime", UTCTime(microsecondsSinceEpoch: frame.receivedAtMicros).iso8601)
        line.raw("eventTime", eventTime.rawBytes)
        let members = event.members
        for field in schema.fields {
            if let member = members.first(where: { $0.key.isString(field.wire) }) {
                line.raw(field.name, member.value.rawBytes)
            }
        }
        if let nested = schema.nested, let list = event[nested.wire] {
            line.raw(nested.name, renamedList(list, nested))
        }
        let known = Set(["e", "E"] + schema.fields.map(\.wire) + (schema.nested.map { [$0.wire] } ?? []))
        writeExtra(members, known: known, into: &line)
        let identity = eventTime.int64.map { EventIdentity(stream: streamName, symbol: symbol.string ?? "", eventTime: $0) }
        outcome.records.append(Record(family: schema.family, receivedAtMicros: frame.receivedAtMicros, line: line.finishedLine(), identity: identity))
    }

    private func unknownEventRecord(_ event: JSONValue, type: JSONValue, stream: JSONValue?, inArray: Bool, frame: InboundFrame) -> Record {
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

    private func inferredStream(_ schema: EventSchema, symbol: JSONValue, inArray: Bool) -> String {
        switch schema.eventType {
        case EventSchema.assetIndexUpdate.eventType:
            inArray ? "!assetIndex@arr" : (symbol.string ?? "").lowercased() + "@assetIndex"
        case EventSchema.contractInfo.eventType:
            "!contractInfo"
        default:
            "unknown"
        }
    }

    /// `bks: [{bs, bnf, ...}]` → `[{bracket, notionalFloor, ...}]`, values verbatim.
    private func renamedList(_ list: JSONValue, _ nested: EventSchema.NestedList) -> [UInt8] {
        guard list.kind == .array else { return Array(list.rawBytes) }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (position, element) in list.elements.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            guard element.kind == .object else {
                bytes.append(contentsOf: element.rawBytes)
                continue
            }
            var object = JSONLineBuilder(capacity: 160)
            let members = element.members
            for field in nested.fields {
                if let member = members.first(where: { $0.key.isString(field.wire) }) {
                    object.raw(field.name, member.value.rawBytes)
                }
            }
            writeExtra(members, known: Set(nested.fields.map(\.wire)), into: &object)
            bytes.append(contentsOf: object.finishedObject())
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    private func writeExtra(_ members: [(key: JSONValue, value: JSONValue)], known: Set<String>, into line: inout JSONLineBuilder) {
        let unknown = members.filter { !known.contains($0.key.string ?? "") }
        guard !unknown.isEmpty else { return }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (position, member) in unknown.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: member.key.rawBytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: member.value.rawBytes)
        }
        bytes.append(UInt8(ascii: "}"))
        line.raw("extra", bytes)
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
