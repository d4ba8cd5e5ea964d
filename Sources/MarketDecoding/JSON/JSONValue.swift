/// A read-only view of one value on a `JSONTape`.
///
/// Accessors never allocate for raw access: `rawBytes` is the value exactly as received.
public struct JSONValue: Sendable {
    public let tape: JSONTape
    public let index: Int

    var entry: JSONTape.Entry { tape.entries[index] }

    public var kind: JSONTape.Kind { entry.kind }

    /// The value's bytes exactly as they appeared in the source.
    public var rawBytes: ArraySlice<UInt8> { tape.bytes[Int(entry.start)..<Int(entry.end)] }

    /// A string's decoded value (escapes resolved); nil for other kinds.
    public var string: String? {
        guard kind == .string else { return nil }
        return tape.withView { $0.string(index) }
    }

    /// Whether this is a number written as an integer (optional '-' then digits only).
    public var isInteger: Bool { tape.withView { $0.isInteger(index) } }

    /// An integer number's value, when it fits in Int64.
    public var int64: Int64? { tape.withView { $0.int64(index) } }

    /// Elements of an array, in order.
    public var elements: [JSONValue] {
        guard kind == .array else { return [] }
        var result: [JSONValue] = []
        var child = index + 1
        let end = Int(entry.next)
        while child < end {
            result.append(JSONValue(tape: tape, index: child))
            child = Int(tape.entries[child].next)
        }
        return result
    }

    /// Members of an object, in the order received.
    public var members: [(key: JSONValue, value: JSONValue)] {
        guard kind == .object else { return [] }
        var result: [(key: JSONValue, value: JSONValue)] = []
        var child = index + 1
        let end = Int(entry.next)
        while child < end {
            let key = JSONValue(tape: tape, index: child)
            let value = JSONValue(tape: tape, index: child + 1)
            result.append((key, value))
            child = Int(tape.entries[child + 1].next)
        }
        return result
    }

    /// Whether this string value equals `text` (compares the decoded value).
    public func isString(_ text: String) -> Bool {
        guard kind == .string else { return false }
        if entry.hasEscapes { return string == text }
        let inner = tape.bytes[Int(entry.start + 1)..<Int(entry.end - 1)]
        return inner.elementsEqual(text.utf8)
    }

    /// The value of the first member named `key`, if this is an object holding one.
    public subscript(key: String) -> JSONValue? {
        guard kind == .object else { return nil }
        // A short key (every key a frame is routed by) is compared as one packed integer.
        if let packed = JSONTape.View.pack(key.utf8) {
            return tape.withView { $0.member(of: index, packedKey: packed) }.map { JSONValue(tape: tape, index: $0) }
        }
        var child = index + 1
        let end = Int(entry.next)
        while child < end {
            if JSONValue(tape: tape, index: child).isString(key) {
                return JSONValue(tape: tape, index: child + 1)
            }
            child = Int(tape.entries[child + 1].next)
        }
        return nil
    }
}

enum JSONStringUnescaper {
    /// Resolves JSON escapes in a string body already validated by the parser.
    static func unescape(_ body: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8Run: [UInt8] = []
        var position = body.startIndex
        func flush() {
            if !utf8Run.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8Run, as: UTF8.self).unicodeScalars)
                utf8Run.removeAll(keepingCapacity: true)
            }
        }
        while position < body.endIndex {
            let byte = body[position]
            guard byte == UInt8(ascii: "\\") else {
                utf8Run.append(byte)
                position += 1
                continue
            }
            flush()
            let code = body[position + 1]
            position += 2
            switch code {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var unit = hex(body[position..<(position + 4)])
                position += 4
                if (0xD800..<0xDC00).contains(unit), position + 6 <= body.endIndex,
                   body[position] == UInt8(ascii: "\\"), body[position + 1] == UInt8(ascii: "u") {
                    let low = hex(body[(position + 2)..<(position + 6)])
                    if (0xDC00..<0xE000).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                }
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(code))
            }
        }
        flush()
        return String(scalars)
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32 {
        digits.reduce(0) { value, digit in
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            default: nibble = digit - UInt8(ascii: "A") + 10
            }
            return value << 4 | UInt32(nibble)
        }
    }
}
