/// A renaming table compiled for the per-event loop: wire keys packed into integers (a key is
/// matched with one integer comparison per field, without strings or reference counting) and the
/// readable keys as one byte buffer ready to copy (`"symbol":`).
struct FieldTable: Sendable {
    /// What a member's key is to this table.
    enum Match {
        /// The table's field at this position.
        case field(Int)
        /// The reserved key at this position (`e`, `E`, a nested list): handled by the caller,
        /// neither a field nor extra.
        case reserved(Int)
        /// Not named by the schema: kept under `extra`.
        case unknown
    }

    /// The reserved keys, then the fields' wire keys, packed: the order Binance writes them in.
    private let packedKeys: [UInt64]
    private let reservedCount: Int
    let count: Int
    private let outputKeyBytes: [UInt8]
    private let outputKeyRanges: [Range<Int>]

    init(_ fields: [EventSchema.Field], reserved: [String] = []) {
        precondition(fields.count <= 16, "a schema table holds up to 16 fields (KnownEventEncoder.Members)")
        packedKeys = (reserved + fields.map(\.wire)).map(Self.packed)
        reservedCount = reserved.count
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

    /// The position of the field read from `wire`.
    func position(ofWire wire: String) -> Int? {
        packedKeys[reservedCount...].firstIndex(of: Self.packed(wire)).map { $0 - reservedCount }
    }

    /// What the key at `key` is to the table. `cursor` carries the search from one member of an
    /// object to the next (start at 0): members mostly come in the table's order, so the search
    /// starts after the previous match and mostly ends at its first comparison.
    @inline(__always)
    func match(key: Int, in view: JSONTape.View, cursor: inout Int) -> Match {
        guard let packed = view.packedKey(key) else { return .unknown }
        return packedKeys.withUnsafeBufferPointer { keys in
            var place = cursor
            for _ in keys.indices {
                if place == keys.count { place = 0 }
                if keys[place] == packed {
                    cursor = place + 1
                    return place < reservedCount ? .reserved(place) : .field(place - reservedCount)
                }
                place += 1
            }
            return .unknown
        }
    }

    /// The length of `"name":` for the field at `position`.
    @inline(__always)
    func outputKeyLength(_ position: Int) -> Int { outputKeyRanges[position].count }

    /// Appends `"name":` of the field at `position`.
    @inline(__always)
    func appendOutputKey(_ position: Int, to line: inout SizedBuffer) {
        outputKeyBytes.withUnsafeBufferPointer { bytes in
            line.append(UnsafeBufferPointer(rebasing: bytes[outputKeyRanges[position]]))
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
