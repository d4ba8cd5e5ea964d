/// Writes the record line of one event whose type has an `EventSchema`, straight from the
/// frame's bytes: the schema's readable names in its order, every value copied byte for byte,
/// the first occurrence of a repeated key, and wire members the schema does not name under
/// `extra`. Compiled once per schema; an event's members are found in one pass over the object,
/// which also gives the exact size of its line, so a frame's lines can be written into one buffer
/// (`SizedBuffer`).
final class KnownEventEncoder: Sendable {
    /// A nested list of objects renamed by its own table (contractInfo's `bks` → `brackets`); its
    /// wire key is the event table's third reserved key.
    struct NestedList: Sendable {
        let outputKey: [UInt8]
        let fields: FieldTable
    }

    /// Where one object's members sit on the tape, by what the table makes of their keys.
    struct Members {
        /// The value of each table field (its first occurrence), -1 where the object has none.
        fileprivate(set) var fields = SIMD16<Int32>(repeating: -1)
        /// The values of the first `E` and of the first nested list, -1 where absent.
        fileprivate(set) var eventTime = -1
        fileprivate(set) var nestedList = -1
        /// Members the table does not name (kept under `extra`), and the bytes they take there:
        /// key, colon, value and a comma each.
        fileprivate(set) var hasExtra = false
        fileprivate var extraBytes = 0
        /// What the present fields take in the line: a comma, the readable key and the value each.
        fileprivate var fieldBytes = 0

        /// The size of `"extra":{...}`.
        fileprivate var extraObjectBytes: Int { KnownEventEncoder.extraKey.count + extraBytes }

        /// The value of the table's field at `position`, if the object has it.
        func field(_ position: Int) -> Int? { fields[position] < 0 ? nil : Int(fields[position]) }
    }

    let schema: EventSchema
    /// The schema's family, read per record without copying the schema.
    let family: StreamFamily
    let quotedType: [UInt8]
    let fields: FieldTable
    let nested: NestedList?
    /// The position of the symbol (`s`) in `fields`: part of every event's identity.
    let symbolPosition: Int

    /// The reserved keys' places in the event table: `e`, `E`, then the nested list's key.
    private static let eventTimeReserved = 1, nestedListReserved = 2

    init(_ schema: EventSchema) {
        self.schema = schema
        family = schema.family
        quotedType = FieldTable.quoted(schema.eventType)
        fields = FieldTable(schema.fields, reserved: ["e", "E"] + (schema.nested.map { [$0.wire] } ?? []))
        nested = schema.nested.map {
            NestedList(outputKey: Self.key($0.name), fields: FieldTable($0.fields))
        }
        guard let symbolPosition = fields.position(ofWire: "s") else { preconditionFailure("schema \(schema.eventType) names no symbol ('s')") }
        self.symbolPosition = symbolPosition
    }

    /// What every line carries between its type and its event time value:
    /// `,"stream":<stream>,"recvTime":<recvTime>,"eventTime":` (both arguments JSON strings).
    static func header(stream: some Collection<UInt8>, recvTime: [UInt8]) -> [UInt8] {
        var header = streamKey
        header.reserveCapacity(streamKey.count + stream.count + recvTimeKey.count + recvTime.count + eventTimeKey.count)
        header.append(contentsOf: stream)
        header.append(contentsOf: recvTimeKey)
        header.append(contentsOf: recvTime)
        header.append(contentsOf: eventTimeKey)
        return header
    }

    /// The members of the event object at `event`, in one pass.
    func members(of event: Int, in view: JSONTape.View) -> Members {
        Self.members(of: event, fields, view)
    }

    /// The size of the line `writeLine` writes for the same arguments.
    func lineSize(type: Int, members: Members, header: [UInt8], in view: JSONTape.View) -> Int {
        var size = Self.typeKey.count + view.raw(type).count + header.count + view.raw(members.eventTime).count + members.fieldBytes + 2
        if let nested, members.nestedList >= 0 { size += 1 + nested.outputKey.count + Self.renamedListSize(members.nestedList, nested.fields, view) }
        if members.hasExtra { size += 1 + members.extraObjectBytes }
        return size
    }

    /// Writes the line for the event object at `event`, whose `members` were found by
    /// `members(of:in:)` and include an event time; `type` indexes its `e`.
    func writeLine(event: Int, type: Int, members: Members, header: [UInt8], into line: inout SizedBuffer, _ view: JSONTape.View) {
        precondition(members.eventTime >= 0, "a line is written only for an event with an event time")
        line.append(Self.typeKey)
        line.append(view.raw(type))
        line.append(header)
        line.append(view.raw(members.eventTime))
        Self.writeFields(members, fields, commaFirst: true, into: &line, view)
        if let nested, members.nestedList >= 0 {
            line.append(UInt8(ascii: ","))
            line.append(nested.outputKey)
            Self.writeRenamedList(members.nestedList, nested.fields, into: &line, view)
        }
        if members.hasExtra { Self.writeExtra(of: event, fields, comma: true, into: &line, view) }
        line.append(UInt8(ascii: "}"))
        line.append(UInt8(ascii: "\n"))
    }

    private static let typeKey = Array(#"{"type":"#.utf8)
    private static let streamKey = Array(#","stream":"#.utf8)
    private static let recvTimeKey = Array(#","recvTime":"#.utf8)
    private static let eventTimeKey = Array(#","eventTime":"#.utf8)
    fileprivate static let extraKey = Array(#""extra":{"#.utf8)

    private static func key(_ name: String) -> [UInt8] { FieldTable.quoted(name) + [UInt8(ascii: ":")] }

    private static func members(of object: Int, _ table: FieldTable, _ view: JSONTape.View) -> Members {
        var members = Members(), cursor = 0, fields = members.fields
        // The fields are filled in memory, one slot at a time, and become one vector at the end:
        // setting a lane of the vector itself stalled on every member (the CPU cannot forward a
        // slot's store to the whole vector's load).
        withUnsafeMutableBytes(of: &fields) { slots in
            let slot = MemoryLayout<Int32>.stride
            view.forEachMember(of: object) { key, value in
                switch table.match(key: key, in: view, cursor: &cursor) {
                case .field(let position):
                    guard slots.load(fromByteOffset: position * slot, as: Int32.self) < 0 else { return }
                    slots.storeBytes(of: Int32(truncatingIfNeeded: value), toByteOffset: position * slot, as: Int32.self)
                    members.fieldBytes += 1 + table.outputKeyLength(position) + view.raw(value).count
                case .reserved(eventTimeReserved):
                    if members.eventTime < 0 { members.eventTime = value }
                case .reserved(nestedListReserved):
                    if members.nestedList < 0 { members.nestedList = value }
                case .reserved:
                    break
                case .unknown:
                    members.hasExtra = true
                    members.extraBytes += view.raw(key).count + view.raw(value).count + 2
                }
            }
        }
        members.fields = fields
        return members
    }

    /// Writes the fields present, in table order; tells whether it wrote any.
    @discardableResult
    private static func writeFields(_ members: Members, _ table: FieldTable, commaFirst: Bool, into line: inout SizedBuffer,
                                    _ view: JSONTape.View) -> Bool {
        var wroteAny = false
        for position in 0..<table.count {
            guard let value = members.field(position) else { continue }
            if wroteAny || commaFirst { line.append(UInt8(ascii: ",")) }
            wroteAny = true
            table.appendOutputKey(position, to: &line)
            line.append(view.raw(value))
        }
        return wroteAny
    }

    /// `"extra":{...}` with the members of `object` the table does not know, keys and values verbatim.
    private static func writeExtra(of object: Int, _ table: FieldTable, comma: Bool, into line: inout SizedBuffer, _ view: JSONTape.View) {
        if comma { line.append(UInt8(ascii: ",")) }
        line.append(extraKey)
        var first = true, cursor = 0
        view.forEachMember(of: object) { key, value in
            guard case .unknown = table.match(key: key, in: view, cursor: &cursor) else { return }
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
            line.append(view.raw(key))
            line.append(UInt8(ascii: ":"))
            line.append(view.raw(value))
        }
        line.append(UInt8(ascii: "}"))
    }

    /// What `writeRenamedList` writes for `list`.
    private static func renamedListSize(_ list: Int, _ table: FieldTable, _ view: JSONTape.View) -> Int {
        guard view.kind(list) == .array else { return view.raw(list).count }
        var size = 2, element = list + 1
        let end = view.next(list)
        while element < end {
            if element > list + 1 { size += 1 }
            if view.kind(element) == .object {
                let members = members(of: element, table, view), wroteAny = members.fieldBytes > 0
                size += 2 + members.fieldBytes - (wroteAny ? 1 : 0)
                if members.hasExtra { size += (wroteAny ? 1 : 0) + members.extraObjectBytes }
            } else {
                size += view.raw(element).count
            }
            element = view.next(element)
        }
        return size
    }

    /// `[{bs, bnf, ...}]` → `[{bracket, notionalFloor, ...}]`; anything but an array of objects is
    /// copied as it is.
    private static func writeRenamedList(_ list: Int, _ table: FieldTable, into line: inout SizedBuffer, _ view: JSONTape.View) {
        guard view.kind(list) == .array else {
            line.append(view.raw(list))
            return
        }
        line.append(UInt8(ascii: "["))
        var element = list + 1
        let end = view.next(list)
        while element < end {
            if element > list + 1 { line.append(UInt8(ascii: ",")) }
            if view.kind(element) == .object {
                line.append(UInt8(ascii: "{"))
                let members = members(of: element, table, view)
                let wroteAny = writeFields(members, table, commaFirst: false, into: &line, view)
                if members.hasExtra { writeExtra(of: element, table, comma: wroteAny, into: &line, view) }
                line.append(UInt8(ascii: "}"))
            } else {
                line.append(view.raw(element))
            }
            element = view.next(element)
        }
        line.append(UInt8(ascii: "]"))
    }
}
