/// A parsed JSON document that remembers where every value sits in the original bytes.
///
/// The tape never converts numbers or strings: it records byte ranges, so an encoder can copy a
/// value verbatim (`"0.27462452"` stays those ten bytes, `4133404800000` never passes through
/// `Double`). Parsing validates the full JSON grammar and the UTF-8 of every string, so a document
/// it accepts is valid UTF-8 throughout (outside strings JSON allows ASCII only).
public struct JSONTape: Sendable {
    /// The kind of one value on the tape.
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    /// One value: its kind, its byte range in the source, and where the next sibling begins.
    /// (Sixteen bytes: the integers first, so the two one-byte fields share their padding.)
    public struct Entry: Sendable {
        /// First byte of the value (the quote for strings, the bracket for containers).
        public let start: Int32
        /// One past the last byte of the value.
        public var end: Int32
        /// Index on the tape of the entry after this value's whole subtree.
        public var next: Int32
        public let kind: Kind
        /// Strings only: whether the raw text contains a backslash escape.
        public var hasEscapes: Bool
    }

    public let bytes: [UInt8]
    public let entries: [Entry]

    /// Parses `bytes` as one JSON value surrounded by optional whitespace.
    public init(parsing bytes: [UInt8]) throws(JSONSyntaxError) {
        self.bytes = bytes
        var failure: JSONSyntaxError?
        // Every value takes at least one byte and a separator, so (count + 1) / 2 entries suffice.
        entries = bytes.withUnsafeBufferPointer { buffer in
            [Entry](unsafeUninitializedCapacity: (buffer.count + 1) / 2 + 1) { entries, count in
                var parser = Parser(bytes: buffer, entries: entries)
                do throws(JSONSyntaxError) {
                    parser.skipWhitespace()
                    try parser.parseValue(depth: 0)
                    parser.skipWhitespace()
                    if parser.position != buffer.count {
                        throw JSONSyntaxError(offset: parser.position, problem: "unexpected bytes after the value")
                    }
                } catch {
                    failure = error
                }
                count = parser.count
            }
        }
        if let failure { throw failure }
    }

    /// The document's top-level value.
    public var root: JSONValue { JSONValue(tape: self, index: 0) }

    /// Runs `body` with a pointer view of the tape: index-based access without reference counting,
    /// for the decoder's per-event loop. The view must not escape `body`.
    func withView<Result>(_ body: (View) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { bytes in
            entries.withUnsafeBufferPointer { entries in body(View(bytes: bytes, entries: entries)) }
        }
    }
}

/// Why a byte sequence is not JSON, and where the parser noticed.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let problem: String
    public var description: String { "\(problem) at byte \(offset)" }
}

/// A validating recursive-descent parser that appends one `Entry` per value, in document order.
private struct Parser {
    static let maximumDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Room for every entry the input can hold; the first `count` are written.
    let entries: UnsafeMutableBufferPointer<JSONTape.Entry>
    var count = 0

    init(bytes: UnsafeBufferPointer<UInt8>, entries: UnsafeMutableBufferPointer<JSONTape.Entry>) {
        self.bytes = bytes
        self.entries = entries
    }

    /// Parses the value at `position`, at nesting `depth` (the document's value is at 0).
    mutating func parseValue(depth: Int) throws(JSONSyntaxError) {
        guard depth < Self.maximumDepth else {
            throw JSONSyntaxError(offset: position, problem: "nesting deeper than \(Self.maximumDepth)")
        }
        guard let byte = peek() else {
            throw JSONSyntaxError(offset: position, problem: "unexpected end of input")
        }
        switch byte {
        case UInt8(ascii: "{"): try parseObject(depth: depth)
        case UInt8(ascii: "["): try parseArray(depth: depth)
        default: try parseScalar(byte)
        }
    }

    /// A member's key or value, an element: scalars are parsed in place, containers recurse.
    @inline(__always)
    private mutating func parseChild(depth: Int) throws(JSONSyntaxError) {
        if let byte = peek(), byte != UInt8(ascii: "{"), byte != UInt8(ascii: "["), depth < Self.maximumDepth {
            try parseScalar(byte)
        } else {
            try parseValue(depth: depth)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) {
        let index = append(.object, start: Int32(position))
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else {
                    throw JSONSyntaxError(offset: position, problem: "expected a string key")
                }
                try parseChild(depth: depth + 1)
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else {
                    throw JSONSyntaxError(offset: position, problem: "expected ':' after a key")
                }
                position += 1
                skipWhitespace()
                try parseChild(depth: depth + 1)
                skipWhitespace()
                if try endOfContainer(closing: UInt8(ascii: "}")) { break }
            }
        }
        finish(index)
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) {
        let index = append(.array, start: Int32(position))
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                try parseChild(depth: depth + 1)
                skipWhitespace()
                if try endOfContainer(closing: UInt8(ascii: "]")) { break }
            }
        }
        finish(index)
    }

    /// A string, number or literal starting with `byte`, the byte at `position`.
    @inline(__always)
    private mutating func parseScalar(_ byte: UInt8) throws(JSONSyntaxError) {
        let start = Int32(position)
        switch byte {
        case UInt8(ascii: "\""):
            let escaped = try scanString()
            appendScalar(.string, start: start, hasEscapes: escaped)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            appendScalar(.true, start: start)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            appendScalar(.false, start: start)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            appendScalar(.null, start: start)
        default:
            try scanNumber()
            appendScalar(.number, start: start)
        }
    }

    /// Appends a container's entry, to be closed by `finish` once its subtree is on the tape.
    private mutating func append(_ kind: JSONTape.Kind, start: Int32) -> Int {
        entries.initializeElement(at: count, to: JSONTape.Entry(start: start, end: start, next: 0, kind: kind, hasEscapes: false))
        count += 1
        return count - 1
    }

    /// Appends a value without children, which ends at `position`.
    @inline(__always)
    private mutating func appendScalar(_ kind: JSONTape.Kind, start: Int32, hasEscapes: Bool = false) {
        entries.initializeElement(at: count, to: JSONTape.Entry(start: start, end: Int32(position), next: Int32(count + 1), kind: kind, hasEscapes: hasEscapes))
        count += 1
    }

    /// Closes the container at `index`: it ends here, and its subtree ends with the last entry appended.
    private func finish(_ index: Int) {
        entries[index].end = Int32(position)
        entries[index].next = Int32(count)
    }

    @inline(__always)
    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always)
    mutating func skipWhitespace() {
        // Compact JSON has none: one comparison when the next byte is not whitespace.
        if position < bytes.count, bytes[position] > 0x20 { return }
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// After a member or element: consumes ',' (returns false) or the closing bracket (returns true).
    @inline(__always)
    private mutating func endOfContainer(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        guard let byte = peek() else { throw JSONSyntaxError(offset: position, problem: "unterminated container") }
        position += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == closing { return true }
        throw JSONSyntaxError(offset: position - 1, problem: "expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else {
            throw JSONSyntaxError(offset: position, problem: "truncated literal")
        }
        let base = literal.utf8Start
        for offset in 0..<count where bytes[position + offset] != base[offset] {
            throw JSONSyntaxError(offset: position, problem: "invalid literal")
        }
        position += count
    }

    /// Scans a string starting at its opening quote, validating its UTF-8; returns whether it
    /// contains escapes.
    @inline(__always)
    private mutating func scanString() throws(JSONSyntaxError) -> Bool {
        // The position is kept in a local while scanning: stored back through `self` on every
        // step, it made each load wait for the store before it.
        let start = position, count = bytes.count
        var at = position + 1, escaped = false
        defer { position = at }
        while at < count {
            // Plain ASCII eight bytes at a time, up to the first quote, backslash, control byte or
            // byte of a multi-byte sequence.
            if at + 8 <= count {
                let special = Self.specialBytes(UnsafeRawPointer(bytes.baseAddress! + at).loadUnaligned(as: UInt64.self))
                if special == 0 {
                    at += 8
                    continue
                }
                at += special.trailingZeroBitCount >> 3
            }
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return escaped
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard at + 1 < count else { break }
                switch bytes[at + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    at += 2
                case UInt8(ascii: "u"):
                    guard at + 6 <= count, bytes[(at + 2)..<(at + 6)].allSatisfy(\.isHexDigit) else {
                        throw JSONSyntaxError(offset: at, problem: "invalid \\u escape")
                    }
                    at += 6
                default:
                    throw JSONSyntaxError(offset: at, problem: "invalid escape")
                }
                continue
            }
            if byte < 0x20 {
                throw JSONSyntaxError(offset: at, problem: "unescaped control character in a string")
            }
            if byte >= 0x80 {
                guard let length = UTF8Validation.sequenceLength(in: bytes, at: at) else {
                    throw JSONSyntaxError(offset: at, problem: "invalid UTF-8 in a string")
                }
                at += length
                continue
            }
            at += 1
        }
        throw JSONSyntaxError(offset: start, problem: "unterminated string")
    }

    /// The high bit set in each byte of `word` that is '"', '\\', below 0x20 or above 0x7F —
    /// exact for the lowest such byte, which is all the caller uses (a borrow may flag bytes above it).
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let quote = zeroBytes(word ^ (ones &* 0x22)), backslash = zeroBytes(word ^ (ones &* 0x5C))
        let control = (word &- ones &* 0x20) & ~word & highs
        return quote | backslash | control | (word & highs)
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), first.isDigit else {
            throw JSONSyntaxError(offset: start, problem: "unexpected character")
        }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard peek()?.isDigit == true else { throw JSONSyntaxError(offset: position, problem: "digit expected after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard peek()?.isDigit == true else { throw JSONSyntaxError(offset: position, problem: "digit expected in exponent") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, bytes[position].isDigit { position += 1 }
    }
}

extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
