/// Writes the record line of one event whose type has an `EventSchema`, straight from the
/// frame's bytes: the schema's readable names in its order, every value copied byte for byte,
/// the first occurrence of a repeated key, and wire members the schema does not name under
/// `extra`. Compiled once per schema; allocates only the line.
final class KnownEventEncoder: Sendable {
    /// A nested list of objects renamed by its own table (contractInfo's `bks` → `brackets`).
    struct NestedList: Sendable {
        let wireKey: UInt64
        let outputKey: [UInt8]
        let fields: FieldTable
    }

    let schema: EventSchema
    let quotedType: [UInt8]
    let fields: FieldTable
    let nested: NestedList?

    init(_ schema: EventSchema) {
        self.schema = schema
        quotedType = FieldTable.quoted(schema.eventType)
        fields = FieldTable(schema.fields, reserved: ["e", "E"] + (schema.nested.map { [$0.wire] } ?? []))
        nested = schema.nested.map {
            NestedList(wireKey: FieldTable.packed($0.wire), outputKey: Self.key($0.name), fields: FieldTable($0.fields))
        }
    }

    /// What every line carries between its type and its event time value:
    /// `,"stream":<stream>,"recvTime":<recvTime>,"eventTime":` (both arguments JSON strings).
    static func header(stream: [UInt8], recvTime: [UInt8]) -> [UInt8] {
        streamKey + stream + recvTimeKey + recvTime + eventTimeKey
    }

    /// The line for the event object at `event`; `type` and `eventTime` index its `e` and `E`.
    func line(event: Int, type: Int, eventTime: Int, header: [UInt8], in view: JSONTape.View) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(view.raw(event).count + header.count + 128)
        line.append(contentsOf: Self.typeKey)
        line.append(contentsOf: view.raw(type))
        line.append(contentsOf: header)
        line.append(contentsOf: view.raw(eventTime))
        let hasExtra = Self.writeFields(of: event, fields, commaFirst: true, into: &line, view).hasExtra
        if let nested, let list = view.member(of: event, packedKey: nested.wireKey) {
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: nested.outputKey)
            Self.writeRenamedList(list, nested.fields, into: &line, view)
        }
        if hasExtra { Self.writeExtra(of: event, fields, comma: true, into: &line, view) }
        line.append(UInt8(ascii: "}"))
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static let typeKey = Array(#"{"type":"#.utf8)
    private static let streamKey = Array(#","stream":"#.utf8)
    private static let recvTimeKey = Array(#","recvTime":"#.utf8)
    private static let eventTimeKey = Array(#","eventTime":"#.utf8)
    private static let extraKey = Array(#""extra":{"#.utf8)

    private static func key(_ name: String) -> [UInt8] { FieldTable.quoted(name) + [UInt8(ascii: ":")] }

    /// Writes the table's fields present in `object`, in table order; tells whether it wrote any
    /// and whether the object has members the table does not know.
    private static func writeFields(of object: Int, _ table: FieldTable, commaFirst: Bool, into line: inout [UInt8],
                                    _ view: JSONTape.View) -> (wroteAny: Bool, hasExtra: Bool) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: table.count) { slots in
            slots.initialize(repeating: -1)
            var hasExtra = false
            view.forEachMember(of: object) { key, value in
                switch table.match(key: key, in: view) {
                case .field(let position): if slots[position] < 0 { slots[position] = value }
                case .unknown: hasExtra = true
                case .reserved: break
                }
            }
            var wroteAny = false
            for (position, value) in slots.enumerated() where value >= 0 {
                if wroteAny || commaFirst { line.append(UInt8(ascii: ",")) }
                wroteAny = true
                table.appendOutputKey(position, to: &line)
                line.append(contentsOf: view.raw(value))
            }
            return (wroteAny, hasExtra)
        }
    }

    /// `"extra":{...}` with the members of `object` the table does not know, keys and values verbatim.
    private static func writeExtra(of object: Int, _ table: FieldTable, comma: Bool, into line: inout [UInt8], _ view: JSONTape.View) {
        if comma { line.append(UInt8(ascii: ",")) }
        line.append(contentsOf: extraKey)
        var first = true
        view.forEachMember(of: object) { key, value in
            guard case .unknown = table.match(key: key, in: view) else { return }
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
            line.append(contentsOf: view.raw(key))
            line.append(UInt8(ascii: ":"))
            line.append(contentsOf: view.raw(value))
        }
        line.append(UInt8(ascii: "}"))
    }

    /// `[{bs, bnf, ...}]` → `[{bracket, notionalFloor, ...}]`; anything but an array of objects is
    /// copied as it is.
    private static func writeRenamedList(_ list: Int, _ table: FieldTable, into line: inout [UInt8], _ view: JSONTape.View) {
        guard view.kind(list) == .array else {
            line.append(contentsOf: view.raw(list))
            return
        }
        line.append(UInt8(ascii: "["))
        var element = list + 1
        let end = view.next(list)
        while element < end {
            if element > list + 1 { line.append(UInt8(ascii: ",")) }
            if view.kind(element) == .object {
                line.append(UInt8(ascii: "{"))
                let written = writeFields(of: element, table, commaFirst: false, into: &line, view)
                if written.hasExtra { writeExtra(of: element, table, comma: written.wroteAny, into: &line, view) }
                line.append(UInt8(ascii: "}"))
            } else {
                line.append(contentsOf: view.raw(element))
            }
            element = view.next(element)
        }
        line.append(UInt8(ascii: "]"))
    }
}
