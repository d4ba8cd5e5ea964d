import Glibc
import MarketDecoding

/// Validates one NDJSON line as a JSON object and indexes its top-level members, in one pass and
/// without allocating, so readers can check and filter millions of lines a second.
///
/// The whole grammar is checked (strings, escapes, strict UTF-8, numbers, nesting); only the
/// top-level members are indexed. Offsets are into the line given to `scan`.
public struct RecordScanner {
    /// One top-level member: where its key text (without quotes) and its value lie.
    public struct Member: Sendable {
        public let keyStart: Int32
        public let keyEnd: Int32
        /// First byte of the value (the quote of a string, the bracket of a container).
        public let valueStart: Int32
        /// One past the value's last byte.
        public let valueEnd: Int32
        public let kind: JSONTape.Kind
    }

    /// Why a line is not a valid JSON object.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let problem: String
        public var description: String { "\(problem) at byte \(offset)" }
    }

    /// The members of the line scanned last, in order.
    public private(set) var members: [Member] = []
    private var containers: [UInt8] = []
    private static let maximumDepth = 512

    public init() {
        members.reserveCapacity(32)
        containers.reserveCapacity(16)
    }

    /// Scans `line`; on success `members` lists its top-level members.
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>) throws(Problem) {
        members.removeAll(keepingCapacity: true)
        containers.removeAll(keepingCapacity: true)
        var cursor = Cursor(bytes: line)
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else { throw cursor.problem("not a JSON object") }
        cursor.position += 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.position += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.problem("expected a string key") }
                let keyStart = cursor.position + 1
                try cursor.scanString()
                let keyEnd = cursor.position - 1
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.problem("expected ':' after a key") }
                cursor.position += 1
                cursor.skipWhitespace()
                let valueStart = cursor.position
                let kind = try scanValue(&cursor)
                members.append(Member(keyStart: Int32(keyStart), keyEnd: Int32(keyEnd), valueStart: Int32(valueStart),
                                      valueEnd: Int32(cursor.position), kind: kind))
                cursor.skipWhitespace()
                guard let byte = cursor.peek() else { throw cursor.problem("unterminated object") }
                cursor.position += 1
                if byte == UInt8(ascii: "}") { break }
                guard byte == UInt8(ascii: ",") else { throw Problem(offset: cursor.position - 1, problem: "expected ',' or '}'") }
            }
        }
        cursor.skipWhitespace()
        guard cursor.position == line.count else { throw cursor.problem("unexpected bytes after the object") }
    }

    /// The member named `key`, if any.
    public func member(_ key: StaticString, in line: UnsafeBufferPointer<UInt8>) -> Member? {
        member(key.utf8Start, count: key.utf8CodeUnitCount, in: line)
    }

    /// The member named `key` (a name known only at run time), if the line has one.
    public func member(_ key: String, in line: UnsafeBufferPointer<UInt8>) -> Member? {
        var key = key
        return key.withUTF8 { member($0.baseAddress!, count: $0.count, in: line) }
    }

    private func member(_ key: UnsafePointer<UInt8>, count: Int, in line: UnsafeBufferPointer<UInt8>) -> Member? {
        for member in members where Int(member.keyEnd - member.keyStart) == count
            && memcmp(line.baseAddress! + Int(member.keyStart), key, count) == 0 {
            return member
        }
        return nil
    }

    /// Scans any value; nested containers are walked iteratively up to `maximumDepth`.
    private mutating func scanValue(_ cursor: inout Cursor) throws(Problem) -> JSONTape.Kind {
        let kind = try cursor.scanScalarOrOpen()
        guard kind == .object || kind == .array else { return kind }
        containers.removeAll(keepingCapacity: true)
        containers.append(kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        var expectValue = true
        cursor.skipWhitespace()
        if cursor.peek() == containers.last {
            cursor.position += 1
            return kind
        }
        while let closing = containers.last {
            if expectValue {
                cursor.skipWhitespace()
                if closing == UInt8(ascii: "}") {
                    guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.problem("expected a string key") }
                    try cursor.scanString()
                    cursor.skipWhitespace()
                    guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.problem("expected ':' after a key") }
                    cursor.position += 1
                    cursor.skipWhitespace()
                }
                let inner = try cursor.scanScalarOrOpen()
                if inner == .object || inner == .array {
                    guard containers.count < Self.maximumDepth else { throw cursor.problem("nesting too deep") }
                    let innerClosing = inner == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    cursor.skipWhitespace()
                    if cursor.peek() == innerClosing {
                        cursor.position += 1
                    } else {
                        containers.append(innerClosing)
                        continue
                    }
                }
                expectValue = false
            } else {
                cursor.skipWhitespace()
                guard let byte = cursor.peek() else { throw cursor.problem("unterminated container") }
                cursor.position += 1
                if byte == UInt8(ascii: ",") {
                    expectValue = true
                } else if byte == closing {
                    containers.removeLast()
                } else {
                    throw Problem(offset: cursor.position - 1, problem: "expected ',' or '\(Character(Unicode.Scalar(closing)))'")
                }
            }
        }
        return kind
    }
}

/// A read position in one line and the scanning of JSON tokens.
private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    func problem(_ text: String) -> RecordScanner.Problem {
        RecordScanner.Problem(offset: position, problem: position < bytes.count ? text : "unexpected end of line (\(text))")
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Scans a string, number or literal whole, or consumes the opening bracket of a container.
    mutating func scanScalarOrOpen() throws(RecordScanner.Problem) -> JSONTape.Kind {
        guard let byte = peek() else { throw problem("expected a value") }
        switch byte {
        case UInt8(ascii: "\""): try scanString(); return .string
        case UInt8(ascii: "{"): position += 1; return .object
        case UInt8(ascii: "["): position += 1; return .array
        case UInt8(ascii: "t"): try literal("true"); return .true
        case UInt8(ascii: "f"): try literal("false"); return .false
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: try scanNumber(); return .number
        }
    }

    private mutating func literal(_ text: StaticString) throws(RecordScanner.Problem) {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count, memcmp(bytes.baseAddress! + position, text.utf8Start, count) == 0 else {
            throw problem("invalid literal")
        }
        position += count
    }

    /// From the opening quote to one past the closing quote.
    mutating func scanString() throws(RecordScanner.Problem) {
        let start = position
        position += 1
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            if byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C {
                position += 1
                continue
            }
            switch byte {
            case 0x22:
                position += 1
                return
            case 0x5C:
                guard position + 1 < count else { throw problem("unterminated escape") }
                switch bytes[position + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 2
                case UInt8(ascii: "u"):
                    guard position + 6 <= count, (2..<6).allSatisfy({ Self.isHex(bytes[position + $0]) }) else {
                        throw problem("invalid \\u escape")
                    }
                    position += 6
                default:
                    throw problem("invalid escape")
                }
            case 0..<0x20:
                throw problem("unescaped control character in a string")
            default:
                guard let length = UTF8Validation.sequenceLength(in: bytes, at: position) else { throw problem("invalid UTF-8") }
                position += length
            }
        }
        throw RecordScanner.Problem(offset: start, problem: "unterminated string")
    }

    private mutating func scanNumber() throws(RecordScanner.Problem) {
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw problem("unexpected character") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let digit = peek(), Self.isDigit(digit) else { throw problem("digit expected after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), Self.isDigit(digit) else { throw problem("digit expected in exponent") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 6
    }
}
