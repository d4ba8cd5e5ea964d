import Foundation
import Testing
@testable import MarketDecoding

@Suite struct PrimitivesTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1_686_749_230_000_000), "2023-06-14T13:27:10.000000Z"),
        (Int64(1_709_210_096_000_001), "2024-02-29T12:34:56.000001Z"),
        (Int64(4_133_404_799_999_999), "2100-12-25T07:59:59.999999Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999Z"),
        (Int64(253_402_300_800_000_000), "10000-01-01T00:00:00.000000Z"),
    ])
    func utcTimeMatchesFoundation(micros: Int64, expected: String) {
        #expect(UTCTime(microsecondsSinceEpoch: micros).iso8601 == expected)
        #expect(UTCTime(microsecondsSinceEpoch: micros).quotedISO8601 == Array("\"\(expected)\"".utf8))
    }

    @Test func utcTimeAgreesWithFoundationAcrossYears() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        var micros: Int64 = 946_684_800_000_000
        while micros < 4_102_444_800_000_000 {
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(micros / 1_000_000)))
            #expect(UTCTime(microsecondsSinceEpoch: micros).iso8601.hasPrefix(expected))
            micros += 86_400_000_000 * 37 + 3_601_000_000
        }
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test func utf8Validation() {
        #expect(UTF8Validation.isValid(Array("plain ascii".utf8)))
        #expect(UTF8Validation.isValid(Array("币安 café 🚀".utf8)))
        #expect(!UTF8Validation.isValid([0xC3, 0x28]))             // bad continuation
        #expect(!UTF8Validation.isValid([0xC0, 0xAF]))             // overlong
        #expect(!UTF8Validation.isValid([0xED, 0xA0, 0x80]))       // surrogate
        #expect(!UTF8Validation.isValid([0xF4, 0x90, 0x80, 0x80])) // above U+10FFFF
        #expect(!UTF8Validation.isValid([0xE2, 0x82]))             // truncated
        // Long ASCII runs are checked eight bytes at a time: a bad byte at any offset is still found.
        let run = Array("0123456789abcdefghij".utf8)
        for offset in 0...run.count {
            #expect(UTF8Validation.isValid(Array(run[..<offset]) + Array("é🚀".utf8) + run))
            #expect(!UTF8Validation.isValid(Array(run[..<offset]) + [0xC3, 0x28] + run))
            #expect(!UTF8Validation.isValid(Array(run[..<offset]) + [0xFF] + run))
            #expect(!UTF8Validation.isValid(run + Array(run[..<offset]) + [0xE2, 0x82]))
        }
    }

    @Test func stringsEndWhereTheirQuoteIsAtEveryOffset() throws {
        // Strings are scanned sixteen bytes at a time, the last bytes of a message one by one: the
        // quote, an escape or a control byte must be found wherever it falls.
        for count in 0..<24 {
            let plain = String(repeating: "a", count: count), accented = String(repeating: "é", count: count)
            let escaped = try JSONTape(parsing: Array(#"["\#(plain)\"\#(plain)",1]"#.utf8))
            #expect(escaped.entries.count == 3 && escaped.entries[1].hasEscapes && escaped.entries[2].kind == .number)
            #expect(escaped.root.elements.first?.string == plain + "\"" + plain)
            let wide = try JSONTape(parsing: Array(#"{"\#(accented)":"\#(plain)"}"#.utf8))
            #expect(wide.root[accented]?.string == plain)
            #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: Array("\"\(plain)\u{01}\(plain)\"".utf8)) }
            #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: Array("\"\(plain)".utf8)) }
            // The tape validates the UTF-8 of its strings wherever a sequence falls in the word.
            let quote = [UInt8(ascii: "\"")], text = Array(plain.utf8)
            for invalid: [UInt8] in [[0xC3, 0x28], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]] {
                #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: quote + text + invalid + text + quote) }
            }
            #expect(throws: Never.self) { try JSONTape(parsing: quote + text + [0xF0, 0x9F, 0x9A, 0x80] + text + quote) }
        }
    }

    @Test func tapeRejectsWhatJSONForbids() {
        for bad in ["", "{", "[1,]", "{\"a\"}", "01", "1.", "-", "\"\\x\"", "tru", "[1 2]", "\"a\u{01}\"",
                    "{\"a\":1,}", "{\"\u{01}\":1}", "{\"\\\":1}", "{,}", "[,1]", "{\"a\" 1}", "{1:2}", "{\"a\":}", "{[]:1}", "\"\\u12G4\"", "1 2", "[1]]", "nul", "[tru]"] {
            #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: Array(bad.utf8)) }
        }
        // A one-byte key is read as one word: it must still be valid UTF-8 (0x80 alone is not).
        #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: [0x7B, 0x22, 0x80, 0x22, 0x3A, 0x31, 0x7D]) }
        for good in ["0", "-0.5e+7", "[]", "{}", " [ {\"a\" : [null,true,false]} ] ", "\"\\ud83d\\ude80\"", "{\"a\":1,\"\u{7F}\":{\"\\\"\":[]}}"] {
            #expect(throws: Never.self) { try JSONTape(parsing: Array(good.utf8)) }
        }
    }

    @Test func nestingIsLimitedTo512Levels() {
        func nested(_ levels: Int, around inner: String) -> [UInt8] {
            Array((String(repeating: "[", count: levels) + inner + String(repeating: "]", count: levels)).utf8)
        }
        #expect(throws: Never.self) { try JSONTape(parsing: nested(512, around: "")) }
        #expect(throws: Never.self) { try JSONTape(parsing: nested(511, around: "1")) }
        #expect(throws: Never.self) { try JSONTape(parsing: nested(511, around: "{}")) }
        for tooDeep in [nested(513, around: ""), nested(512, around: "1"), nested(511, around: #"{"a":1}"#)] {
            #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: tooDeep) }
        }
        // Brackets left open hold an entry each without a byte after them: an input that stops
        // (or fails) inside them must still fit the tape.
        for open in [1, 2, 3, 64, 300, 511, 512, 600] {
            for unclosed in [String(repeating: "[", count: open), String(repeating: #"{"a":"#, count: open),
                             String(repeating: "[", count: open) + "1", String(repeating: "[", count: open) + "x"] {
                #expect(throws: JSONSyntaxError.self) { try JSONTape(parsing: Array(unclosed.utf8)) }
            }
        }
    }

    @Test func everyValueKnowsItsBytesAndWhereItsSubtreeEnds() throws {
        let text = #" {"a" : [1,{"b":null}], "c":"x\"y"} "#
        let tape = try JSONTape(parsing: Array(text.utf8))
        let bytes = Array(text.utf8)
        let raw = tape.entries.map { String(decoding: bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
        #expect(raw == [#"{"a" : [1,{"b":null}], "c":"x\"y"}"#, #""a""#, #"[1,{"b":null}]"#, "1", #"{"b":null}"#, #""b""#, "null", #""c""#, #""x\"y""#])
        #expect(tape.entries.map(\.next) == [9, 2, 7, 4, 7, 6, 7, 8, 9])
        #expect(tape.entries.map(\.kind) == [.object, .string, .array, .number, .object, .string, .null, .string, .string])
        #expect(tape.entries.map(\.hasEscapes) == [false, false, false, false, false, false, false, false, true])
        // Whitespace wherever JSON allows it changes the ranges, not the structure.
        let spaced = try JSONTape(parsing: Array(" {\n\"a\" :\t[ 1 , {\r\"b\" : null } ] , \"c\" : \"x\\\"y\" }\n".utf8))
        #expect(spaced.entries.map(\.next) == tape.entries.map(\.next) && spaced.entries.map(\.kind) == tape.entries.map(\.kind))
        #expect(spaced.root["a"]?.elements.count == 2 && spaced.root["c"]?.string == "x\"y")
    }

    @Test func digitRunsEndAtTheirFirstNonDigitAtEveryOffset() throws {
        // Digits are read eight at a time: whatever follows a run, at whatever offset, ends it.
        for length in 1...20 {
            let digits = String((0..<length).map { Character(String(($0 * 7 + 3) % 10)) }) // 3074185296...: no leading zero
            let value = try JSONTape(parsing: Array("[\(digits)]".utf8)).root.elements[0]
            #expect(value.rawBytes.count == length && value.kind == .number)
            if length <= 18 { #expect(value.int64 == Int64(digits)) }
            for after in ["/", ":", "\u{7F}", "é", " ", "a", ".5", "e1", "x"] {
                let text = "[\(digits)\(after)]"
                let accepted = (try? JSONTape(parsing: Array(text.utf8))) != nil
                #expect(accepted == [" ", ".5", "e1"].contains(after), "\(text)")
            }
        }
        for word in ["12345678", "00000000", "99999999", "09876543"] {
            let bytes = Array(word.utf8)
            let packed = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(DigitWords.value(ofEight: packed) == UInt64(word) && DigitWords.leadingDigits(packed) == 8)
        }
        for stop: UInt8 in [0x2F, 0x3A, 0x00, 0xFA, 0xFF] {
            for at in 0..<8 {
                var bytes = Array("31415926".utf8)
                bytes[at] = stop
                #expect(DigitWords.leadingDigits(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) == at)
            }
        }
    }

    @Test func integersReadExactlyToTheLimitsOfInt64() throws {
        let cases: [(String, Int64?)] = [
            ("0", 0), ("-0", 0), ("1800000000000", 1_800_000_000_000), ("-42", -42),
            ("999999999999999999", 999_999_999_999_999_999), ("-999999999999999999", -999_999_999_999_999_999),
            ("9223372036854775807", .max), ("-9223372036854775808", .min),
            ("9223372036854775808", nil), ("-9223372036854775809", nil), ("12345678901234567890", nil),
            ("1.5", nil), ("1e3", nil), ("\"12\"", nil),
        ]
        for (text, expected) in cases {
            #expect(try JSONTape(parsing: Array(text.utf8)).root.int64 == expected, "\(text)")
        }
    }

    @Test func escapedKeysAndStringsDecode() throws {
        let tape = try JSONTape(parsing: Array(#"{"\u0065":"caf\u00e9 \ud83d\ude80"}"#.utf8))
        #expect(tape.root["e"]?.string == "café 🚀")
    }
}

@Suite struct GapRecordTests {
    @Test func aGapIsOneLineNamingItsStreamsTimesAndCause() throws {
        let gap = Gap(family: .assetIndex, streams: ["!assetIndex@arr", "adausd@assetIndex"],
                      fromMicros: 1_795_268_300_000_000, toMicros: 1_795_268_312_345_678, reason: .connectionLost,
                      detail: "closed by the server with 1001 \"going away\"", source: "market-1")
        let record = gap.record(writtenAtMicros: 1_795_268_312_400_000)
        #expect(record.family == .assetIndex)
        #expect(record.identity == nil)
        #expect(String(decoding: record.line, as: UTF8.self) == #"{"type":"collector.gap","recvTime":"2026-11-21T13:38:32.400000Z","from":"2026-11-21T13:38:20.000000Z","to":"2026-11-21T13:38:32.345678Z","fromMs":1795268300000,"toMs":1795268312346,"seconds":12.345,"reason":"connection-lost","detail":"closed by the server with 1001 \"going away\"","source":"market-1","streams":["!assetIndex@arr","adausd@assetIndex"]}"# + "\n")
    }

    @Test func streamNamesMapToTheirFamilies() {
        #expect(StreamCatalog.family(of: "!assetIndex@arr") == .assetIndex)
        #expect(StreamCatalog.family(of: "adausd@assetIndex") == .assetIndex)
        #expect(StreamCatalog.family(of: "!contractInfo") == .contractInfo)
        #expect(StreamCatalog.family(of: "btcusdt@markPrice") == .otherEvents)
    }
}
