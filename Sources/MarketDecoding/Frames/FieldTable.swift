/// A renaming table compiled for the per-event loop: wire keys packed into integers held inline
/// (a key is matched with one integer comparison per field, without strings or reference
/// counting) and the readable keys as one byte buffer ready to copy (`"symbol":`).
struct FieldTable: Sendable {
    /// What a member's key is to this table.
    enum Match {
        /// The table's field at this position.
        case field(Int)
        /// Handled outside the table (`e`, `E`, a nested list): neither a field nor extra.
        case reserved
        /// Not named by the schema: kept under `extra`.
        case unknown
    }

    /// Up to 16 fields and 4 reserved keys; unused places hold a value no key packs to.
    private let wireKeys: InlineArray<16, UInt64>
    private let reservedKeys: InlineArray<4, UInt64>
    let count: Int
    private let outputKeyBytes: [UInt8]
    private let outputKeyRanges: [Range<Int>]

    init(_ fields: [EventSchema.Field], reserved: [String] = []) {
        precondition(fields.count <= 16 && reserved.count <= 4, "a schema table holds up to 16 fields and 4 reserved keys")
        var wireKeys = InlineArray<16, UInt64>(repeating: .max), reservedKeys = InlineArray<4, UInt64>(repeating: .max)
        for (position, field) in fields.enumerated() { wireKeys[position] = Self.packed(field.wire) }
        for (position, key) in reserved.enumerated() { reservedKeys[position] = Self.packed(key) }
        self.wireKeys = wireKeys
        self.reservedKeys = reservedKeys
        count = fields.count
        var bytes: [UInt8] = [], ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes += Self.quoted(field.name) + [UInt8(ascii: ":")]
            ranges.append(start..<bytes.count)
        }
        outputKeyBytes = bytes
        outputKeyRanges = ranges
    }

    @inline(__always)
    func match(key: Int, in view: JSONTape.View) -> Match {
        guard let packed = view.packedKey(key) else { return .unknown }
        for position in 0..<count where wireKeys[position] == packed { return .field(position) }
        for position in reservedKeys.indices where reservedKeys[position] == packed { return .reserved }
        return .unknown
    }

    /// Appends `"name":` of the field at `position`.
    @inline(__always)
    func appendOutputKey(_ position: Int, to line: inout [UInt8]) {
        outputKeyBytes.withUnsafeBufferPointer { bytes in
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[outputKeyRanges[position]]))
        }
    }

    /// A wire key as `JSONTape.View.packedKey` packs it; the schemas' keys are at most 7 bytes.
    static func packed(_ key: String) -> UInt64 {
        guard let packed = JSONTape.View.pack(key.utf8) else { preconditionFailure("wire key '\(key)' is longer than 7 bytes") }
        return packed
    }

    /// `text` as a JSON string; the schemas' names are plain ASCII.
    static func quoted(_ text: String) -> [UInt8] {
        [UInt8(ascii: "\"")] + Array(text.utf8) + [UInt8(ascii: "\"")]
    }
}
