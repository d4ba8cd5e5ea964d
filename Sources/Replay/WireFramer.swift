import MarketDecoding

/// Turns records back into the Binance frames they were decoded from: one-letter field names
/// (`symbol` → `s`, `brackets` → `bks` …, by `EventSchema`), `extra` fields restored, unknown event
/// types from their `raw` payload, and the elements of an array stream (`!assetIndex@arr`) that
/// arrived in one frame — consecutive records of that stream with the same receive time —
/// regrouped into one array.
///
/// Records that never were stream payloads (file headers, gaps, rejected frames, REST snapshots)
/// produce no frame; `skipped` counts them.
public struct WireFramer {
    private var pending: (stream: String, micros: Int64, elements: [[UInt8]])?
    public private(set) var skipped = 0

    public init() {}

    /// Adds a record; returns the frame it completed, if any.
    public mutating func add(_ record: ReplayedRecord) -> WireFrame? {
        guard let stream = record.streamText, !stream.hasPrefix("rest:"), !record.typeText.hasPrefix("collector."),
              let payload = Self.payload(Array(record.line)) else {
            skipped += 1
            return nil
        }
        if var open = pending, open.stream == stream, open.micros == record.receivedAtMicros, Self.isArrayStream(stream) {
            open.elements.append(payload)
            pending = open
            return nil
        }
        let completed = finish()
        pending = (stream, record.receivedAtMicros, [payload])
        return completed
    }

    /// The last frame, once there are no more records.
    public mutating func finish() -> WireFrame? {
        guard let open = pending else { return nil }
        pending = nil
        var payload = open.elements[0]
        if Self.isArrayStream(open.stream) {
            payload = [UInt8(ascii: "[")] + open.elements.joined(separator: [UInt8(ascii: ",")]) + [UInt8(ascii: "]")]
        }
        return WireFrame(stream: open.stream, receivedAtMicros: open.micros, payload: payload)
    }

    /// Binance names the streams whose frames are arrays of events `…@arr`.
    static func isArrayStream(_ stream: String) -> Bool { stream.hasSuffix("@arr") }

    /// The wire event of one record line, or nil when it has none.
    static func payload(_ line: [UInt8]) -> [UInt8]? {
        guard let tape = try? JSONTape(parsing: line), tape.root.kind == .object else { return nil }
        let record = tape.root
        if let raw = record["raw"] { return Array(raw.rawBytes) }
        guard let type = record["type"], let eventTime = record["eventTime"],
              let schema = EventSchema.known.first(where: { type.isString($0.eventType) }) else { return nil }
        var bytes: [UInt8] = Array(#"{"e":"#.utf8) + type.rawBytes + Array(#","E":"#.utf8) + eventTime.rawBytes
        for (key, value) in record.members {
            guard let name = key.string, !["type", "stream", "recvTime", "eventTime"].contains(name) else { continue }
            if name == "extra", value.kind == .object {
                for (extraKey, extraValue) in value.members { append(extraKey.rawBytes, extraValue.rawBytes, to: &bytes) }
            } else if let nested = schema.nested, name == nested.name {
                append(Array(nested.wire.utf8), renamed(value, nested), to: &bytes, quoteKey: true)
            } else if let field = schema.fields.first(where: { $0.name == name }) {
                append(Array(field.wire.utf8), value.rawBytes, to: &bytes, quoteKey: true)
            } else {
                append(key.rawBytes, value.rawBytes, to: &bytes)
            }
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `[{bracket, notionalFloor, …}]` → `[{bs, bnf, …}]`, the inverse of the decoder's renaming.
    private static func renamed(_ list: JSONValue, _ nested: EventSchema.NestedList) -> [UInt8] {
        guard list.kind == .array else { return Array(list.rawBytes) }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (position, element) in list.elements.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            guard element.kind == .object else {
                bytes.append(contentsOf: element.rawBytes)
                continue
            }
            var object: [UInt8] = [UInt8(ascii: "{")]
            for (key, value) in element.members {
                if let field = nested.fields.first(where: { key.isString($0.name) }) {
                    append(Array(field.wire.utf8), value.rawBytes, to: &object, quoteKey: true)
                } else if key.isString("extra"), value.kind == .object {
                    for (extraKey, extraValue) in value.members { append(extraKey.rawBytes, extraValue.rawBytes, to: &object) }
                } else {
                    append(key.rawBytes, value.rawBytes, to: &object)
                }
            }
            object.append(UInt8(ascii: "}"))
            bytes.append(contentsOf: object)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    private static func append<Key: Collection, Value: Collection>(_ key: Key, _ value: Value, to bytes: inout [UInt8], quoteKey: Bool = false)
    where Key.Element == UInt8, Value.Element == UInt8 {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        if quoteKey { bytes.append(UInt8(ascii: "\"")) }
        bytes.append(contentsOf: key)
        if quoteKey { bytes.append(UInt8(ascii: "\"")) }
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: value)
    }
}
