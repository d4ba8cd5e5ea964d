/// Writes one JSON object as a single line, key by key, in the order given.
///
/// Raw values are copied byte for byte; Swift strings are escaped per RFC 8259, so the line never
/// contains a bare newline or control character.
public struct JSONLineBuilder {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Appends `"name":` followed by `raw`, which must already be a valid JSON value.
    public mutating func raw<Bytes: Collection>(_ name: String, _ raw: Bytes) where Bytes.Element == UInt8 {
        key(name)
        bytes.append(contentsOf: raw)
    }

    public mutating func string(_ name: String, _ value: String) {
        key(name)
        Self.appendEscaped(value, to: &bytes)
    }

    public mutating func integer<Value: BinaryInteger>(_ name: String, _ value: Value) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Appends `"name":` and a nested object built by `body`.
    public mutating func object(_ name: String, _ body: (inout JSONLineBuilder) -> Void) {
        key(name)
        var nested = JSONLineBuilder(capacity: 128)
        body(&nested)
        bytes.append(contentsOf: nested.finishedObject())
    }

    /// The finished object without a newline (for nesting).
    public func finishedObject() -> [UInt8] {
        var result = bytes
        result.append(UInt8(ascii: "}"))
        return result
    }

    /// The finished object followed by `\n`: one NDJSON line.
    public consuming func finishedLine() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        Self.appendEscaped(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `value` as a quoted JSON string.
    public static func escaped(_ value: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendEscaped(value, to: &bytes)
        return bytes
    }

    /// Appends `value` as a quoted JSON string.
    public static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
