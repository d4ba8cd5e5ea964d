import CJSONScan

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
        // Offsets are kept in 32 bits.
        guard bytes.count < Int(Int32.max) else {
            throw JSONSyntaxError(offset: 0, problem: "a document of 2 GiB or more")
        }
        self.bytes = bytes
        var failure: JSONSyntaxError?
        // Each value starts at a byte of its own, and each but the last and the containers still
        // open when parsing stops is followed by a byte of its own (a separator, a closing
        // bracket, whitespace): n values need 2n - open - 1 bytes, and at most `maximumDepth`
        // are open. (Room for (count + 1) / 2, enough for a whole document, let an unclosed run
        // of brackets write past the end.)
        let capacity = (bytes.count + Parser.maximumDepth + 1) / 2 + 1
        entries = bytes.withUnsafeBufferPointer { buffer in
            [Entry](unsafeUninitializedCapacity: capacity) { entries, count in
                let parser = Parser(bytes: buffer, entries: entries.baseAddress!)
                var written = 0
                do throws(JSONSyntaxError) {
                    try parser.parseDocument(written: &written)
                } catch {
                    failure = error
                }
                count = written
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

/// A validating parser that appends one `Entry` per value, in document order.
///
/// One loop without recursion: the position, the entry count and the innermost open container
/// stay in registers from the first byte to the last (the parser itself never changes, so its
/// pointers are not read again after each entry is stored). While a container is open, its
/// entry's `next` links to the container around it; closing it sets `next` to where its subtree ends.
private struct Parser {
    static let maximumDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    /// Room for every entry the input can hold.
    let entries: UnsafeMutablePointer<JSONTape.Entry>

    init(bytes: UnsafeBufferPointer<UInt8>, entries: UnsafeMutablePointer<JSONTape.Entry>) {
        self.bytes = bytes
        self.entries = entries
    }

    /// Parses the whole input as one value surrounded by optional whitespace; `written` counts
    /// the entries written, also when parsing fails.
    func parseDocument(written count: inout Int) throws(JSONSyntaxError) {
        let end = bytes.count
        // Entries written, the innermost open container's entry (-1: none) and how many are open.
        var written = 0, open = -1, depth = 0
        defer { count = written }
        var at = 0
        nextValue: while true {
            // A value (an element, a member's value, the document's) starts after whitespace at
            // `at`, at `depth`.
            at = skipWhitespace(from: at)
            guard depth < Self.maximumDepth else {
                throw JSONSyntaxError(offset: at, problem: "nesting deeper than \(Self.maximumDepth)")
            }
            guard at < end else { throw JSONSyntaxError(offset: at, problem: "unexpected end of input") }
            let byte = bytes[at]
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                let kind: JSONTape.Kind = byte == UInt8(ascii: "{") ? .object : .array
                (entries + written).initialize(to: JSONTape.Entry(
                    start: Int32(truncatingIfNeeded: at), end: 0, next: Int32(truncatingIfNeeded: open), kind: kind, hasEscapes: false))
                open = written
                written &+= 1
                depth &+= 1
                at = skipWhitespace(from: at &+ 1)
                // An empty container is closed below, as any other is after its last value.
                let closing = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if at >= end || bytes[at] != closing {
                    if kind == .object { at = try parseKey(at, depth: depth, written: &written) }
                    continue nextValue
                }
            } else {
                let start = at
                var escaped = false
                let kind = try scanScalar(byte, at: &at, escaped: &escaped)
                (entries + written).initialize(to: JSONTape.Entry(
                    start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: at), next: Int32(truncatingIfNeeded: written &+ 1),
                    kind: kind, hasEscapes: escaped))
                written &+= 1
            }
            // After a value: close the containers it ends, up to the next value or the document's end.
            while open >= 0 {
                at = skipWhitespace(from: at)
                guard at < end else { throw JSONSyntaxError(offset: at, problem: "unterminated container") }
                let separator = bytes[at]
                at &+= 1
                let isObject = entries[open].kind == .object
                if separator == UInt8(ascii: ",") {
                    if isObject { at = try parseKey(at, depth: depth, written: &written) }
                    continue nextValue
                }
                guard separator == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    let closing = isObject ? "}" : "]"
                    throw JSONSyntaxError(offset: at - 1, problem: "expected ',' or '\(closing)'")
                }
                let around = Int(entries[open].next)
                entries[open].end = Int32(truncatingIfNeeded: at)
                entries[open].next = Int32(truncatingIfNeeded: written)
                open = around
                depth &-= 1
            }
            at = skipWhitespace(from: at)
            guard at == end else { throw JSONSyntaxError(offset: at, problem: "unexpected bytes after the value") }
            return
        }
    }

    /// A member's key at `at` (after optional whitespace) and its colon; returns the position after the colon.
    @inline(always)
    private func parseKey(_ at: Int, depth: Int, written: inout Int) throws(JSONSyntaxError) -> Int {
        var at = skipWhitespace(from: at)
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(offset: at, problem: "expected a string key")
        }
        guard depth < Self.maximumDepth else {
            throw JSONSyntaxError(offset: at, problem: "nesting deeper than \(Self.maximumDepth)")
        }
        let start = at
        // Binance's keys are mostly one letter: `"e":` is read as one word, without the scan.
        if at &+ 4 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + at).loadUnaligned(as: UInt32.self)
            let letter = UInt8(truncatingIfNeeded: word >> 8)
            if word & 0xFFFF_00FF == 0x3A22_0022, letter >= 0x20, letter < 0x80, letter != UInt8(ascii: "\""), letter != UInt8(ascii: "\\") {
                (entries + written).initialize(to: JSONTape.Entry(
                    start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: at &+ 3), next: Int32(truncatingIfNeeded: written &+ 1),
                    kind: .string, hasEscapes: false))
                written &+= 1
                return at &+ 4
            }
        }
        let escaped = try scanString(at: &at)
        (entries + written).initialize(to: JSONTape.Entry(
            start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: at), next: Int32(truncatingIfNeeded: written &+ 1),
            kind: .string, hasEscapes: escaped))
        written &+= 1
        at = skipWhitespace(from: at)
        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else {
            throw JSONSyntaxError(offset: at, problem: "expected ':' after a key")
        }
        return at &+ 1
    }

    /// Scans the string, number or literal starting with `byte`, the byte at `at`, and moves `at`
    /// past it; `escaped` tells whether a string contains escapes.
    @inline(always)
    private func scanScalar(_ byte: UInt8, at: inout Int, escaped: inout Bool) throws(JSONSyntaxError) -> JSONTape.Kind {
        switch byte {
        case UInt8(ascii: "\""):
            escaped = try scanString(at: &at)
            return .string
        case UInt8(ascii: "t"):
            at = try expectLiteral("true", at: at)
            return .true
        case UInt8(ascii: "f"):
            at = try expectLiteral("false", at: at)
            return .false
        case UInt8(ascii: "n"):
            at = try expectLiteral("null", at: at)
            return .null
        default:
            at = try scanNumber(at: at)
            return .number
        }
    }

    /// The position of the first byte from `at` on that is not JSON whitespace.
    @inline(always)
    private func skipWhitespace(from at: Int) -> Int {
        // Compact JSON has none: one comparison when the next byte is not whitespace.
        var at = at
        if at < bytes.count, bytes[at] > 0x20 { return at }
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at &+= 1
            default: return at
            }
        }
        return at
    }

    /// The position after `literal`, which must start at `at`. (Positions are passed and
    /// returned rather than `inout`: the parser's position then never leaves its register.)
    private func expectLiteral(_ literal: StaticString, at: Int) throws(JSONSyntaxError) -> Int {
        let count = literal.utf8CodeUnitCount
        guard at + count <= bytes.count else {
            throw JSONSyntaxError(offset: at, problem: "truncated literal")
        }
        let base = literal.utf8Start
        for offset in 0..<count where bytes[at + offset] != base[offset] {
            throw JSONSyntaxError(offset: at, problem: "invalid literal")
        }
        return at + count
    }

    /// Scans a string starting at its opening quote at `at`, validating its UTF-8, and moves `at`
    /// past its closing quote; returns whether it contains escapes.
    @inline(always)
    private func scanString(at position: inout Int) throws(JSONSyntaxError) -> Bool {
        let start = position, count = bytes.count
        var at = position &+ 1, escaped = false
        defer { position = at }
        while at < count {
            // Plain ASCII sixteen bytes a step (SSE2, `CJSONScan`), up to the first quote,
            // backslash, control byte or byte of a multi-byte sequence: most of Binance's values
            // end within their first sixteen bytes. The message's last fifteen go byte by byte.
            if at &+ 16 <= count {
                let stops = sc_json_string_stops16(bytes.baseAddress! + at)
                if stops == 0 {
                    at &+= 16
                    continue
                }
                at &+= stops.trailingZeroBitCount
            }
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at &+= 1
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
            at &+= 1
        }
        throw JSONSyntaxError(offset: start, problem: "unterminated string")
    }

    /// The position after the number starting at `start`.
    @inline(__always)
    private func scanNumber(at start: Int) throws(JSONSyntaxError) -> Int {
        var at = start
        if byte(at) == UInt8(ascii: "-") { at &+= 1 }
        guard let first = byte(at), first.isDigit else {
            throw JSONSyntaxError(offset: start, problem: "unexpected character")
        }
        at &+= 1
        if first != UInt8(ascii: "0") { at = digitsEnd(from: at) }
        if byte(at) == UInt8(ascii: ".") {
            at &+= 1
            guard byte(at)?.isDigit == true else { throw JSONSyntaxError(offset: at, problem: "digit expected after '.'") }
            at = digitsEnd(from: at)
        }
        if byte(at) == UInt8(ascii: "e") || byte(at) == UInt8(ascii: "E") {
            at &+= 1
            if byte(at) == UInt8(ascii: "+") || byte(at) == UInt8(ascii: "-") { at &+= 1 }
            guard byte(at)?.isDigit == true else { throw JSONSyntaxError(offset: at, problem: "digit expected in exponent") }
            at = digitsEnd(from: at)
        }
        return at
    }

    /// The byte at `at`, nil at the end of the input.
    @inline(__always)
    private func byte(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }

    /// The position after the run of digits starting at `at`, read eight at a time.
    @inline(__always)
    private func digitsEnd(from start: Int) -> Int {
        var at = start
        while at &+ 8 <= bytes.count {
            let digits = DigitWords.leadingDigits(UnsafeRawPointer(bytes.baseAddress! + at).loadUnaligned(as: UInt64.self))
            at &+= digits
            if digits < 8 { return at }
        }
        while at < bytes.count, bytes[at].isDigit { at &+= 1 }
        return at
    }
}

extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
