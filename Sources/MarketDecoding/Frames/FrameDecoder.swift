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

    /// A payload's records as the first pass over its events plans them: the known events'
    /// lines, written in the second pass into one buffer, and the records already made (unknown
    /// events'), each with its place among them.
    private struct PayloadPlan {
        var known: [KnownLine] = []
        var made: [(place: Int, record: Record)] = []
        var count: Int { known.count + made.count }
    }

    /// A known event with what its line needs.
    private struct KnownLine {
        let encoder: KnownEventEncoder
        let event: Int
        let type: Int
        let members: KnownEventEncoder.Members
        let header: [UInt8]
        let identity: EventIdentity?
        let size: Int
    }

    private func decodePayload(_ payload: JSONValue, stream: JSONValue?, frame: InboundFrame, into outcome: inout FrameOutcome) {
        let recvTime = UTCTime(microsecondsSinceEpoch: frame.receivedAtMicros).quotedISO8601
        let streamName = stream.map { $0.string ?? "" }
        let context = FrameContext(
            frame: frame, tape: payload.tape, stream: stream, streamName: streamName,
            streamFingerprint: streamName.map(EventIdentity.fingerprint(stream:)), recvTime: recvTime,
            header: stream.map { KnownEventEncoder.header(stream: $0.rawBytes, recvTime: recvTime) })
        payload.tape.withView { view in
            var plan = PayloadPlan()
            switch view.kind(payload.index) {
            case .array:
                var element = payload.index + 1, position = 0
                let end = view.next(payload.index)
                plan.known.reserveCapacity(view.elementCount(payload.index))
                while element < end {
                    planEvent(element, position: position, context, view, into: &plan, &outcome)
                    element = view.next(element)
                    position += 1
                }
            case .object:
                planEvent(payload.index, position: nil, context, view, into: &plan, &outcome)
            default:
                reject(frame, .unknownShape, "payload is a \(payload.kind), not an event object or array", into: &outcome)
            }
            Self.appendRecords(plan, receivedAtMicros: frame.receivedAtMicros, view, to: &outcome.records)
        }
    }

    /// Appends the planned records in order, the known events' lines written into one buffer: one
    /// allocation for the frame rather than one per event. Each record's line is a slice of it.
    private static func appendRecords(_ plan: PayloadPlan, receivedAtMicros: Int64, _ view: JSONTape.View, to records: inout [Record]) {
        records.reserveCapacity(records.count + plan.count)
        // The plan is read in place: a known line is copied only into the record it becomes.
        plan.known.withUnsafeBufferPointer { known in
            let lines = SizedBuffer.make(size: known.reduce(0) { $0 + $1.size }) { buffer in
                for index in known.indices {
                    let end = buffer.count + known[index].size
                    known[index].encoder.writeLine(event: known[index].event, type: known[index].type, members: known[index].members,
                                                   header: known[index].header, into: &buffer, view)
                    precondition(buffer.count == end, "a line's size was computed wrong")
                }
            }
            var start = 0, nextKnown = 0, nextMade = 0
            for place in 0..<plan.count {
                if nextMade < plan.made.count, plan.made[nextMade].place == place {
                    records.append(plan.made[nextMade].record)
                    nextMade += 1
                } else {
                    let size = known[nextKnown].size
                    records.append(Record(family: known[nextKnown].encoder.family, receivedAtMicros: receivedAtMicros,
                                          line: lines[start..<(start + size)], identity: known[nextKnown].identity))
                    start += size
                    nextKnown += 1
                }
            }
        }
    }

    private static let typeKey = FieldTable.packed("e")

    /// One event object (`position`: its place in an array payload) → a planned record or a rejection.
    private func planEvent(_ event: Int, position: Int?, _ context: FrameContext, _ view: JSONTape.View,
                           into plan: inout PayloadPlan, _ outcome: inout FrameOutcome) {
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
            plan.made.append((plan.count, unknownEventRecord(value, type: JSONValue(tape: context.tape, index: type), stream: context.stream, frame: frame)))
            return
        }
        let members = encoder.members(of: event, in: view)
        // An integer too large for Int64 is kept, without an identity.
        let eventTime = members.eventTime < 0 ? nil : view.int64(members.eventTime)
        guard members.eventTime >= 0, eventTime != nil || view.isInteger(members.eventTime) else {
            reject(.schema, "\(encoder.schema.eventType) without an integer 'E' (event time)")
            return
        }
        guard let symbol = members.field(encoder.symbolPosition), view.kind(symbol) == .string else {
            reject(.schema, "\(encoder.schema.eventType) without a string 's' (symbol)")
            return
        }
        let header: [UInt8], identity: EventIdentity?
        if let frameHeader = context.header, let streamName = context.streamName, let streamFingerprint = context.streamFingerprint {
            header = frameHeader
            identity = eventTime.map { EventIdentity(stream: streamName, fingerprint: streamFingerprint, symbol: symbol, in: view, eventTime: $0) }
        } else {
            let symbolText = view.string(symbol)
            let streamName = inferredStream(encoder.schema, symbol: symbolText, inArray: position != nil)
            header = KnownEventEncoder.header(stream: JSONLineBuilder.escaped(streamName), recvTime: context.recvTime)
            identity = eventTime.map { EventIdentity(stream: streamName, symbol: symbolText, eventTime: $0) }
        }
        plan.known.append(KnownLine(encoder: encoder, event: event, type: type, members: members, header: header, identity: identity,
                                    size: encoder.lineSize(type: type, members: members, header: header, in: view)))
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
        do {
            // The tape validates UTF-8 as it parses; the whole message is checked again only to
            // name why it failed.
            return try JSONTape(parsing: frame.payload)
        } catch {
            if UTF8Validation.isValid(frame.payload) {
                reject(frame, .invalidJSON, error.description, status: status, into: &outcome)
            } else {
                reject(frame, .invalidUTF8, "message is not valid UTF-8", status: status, into: &outcome)
            }
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
