import Glibc

/// A moment in UTC broken into calendar fields, computed without Foundation or time zones.
///
/// Built from microseconds since the Unix epoch; formats the ISO-8601 text written into records
/// (`2026-11-21T13:05:01.123456Z`) and the pieces used for file names and Hive partitions.
public struct UTCTime: Sendable, Equatable {
    public let year: Int, month: Int, day: Int
    public let hour: Int, minute: Int, second: Int, microsecond: Int

    public init(microsecondsSinceEpoch micros: Int64) {
        let secondsTotal = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        microsecond = Int(micros - secondsTotal * 1_000_000)
        var days = secondsTotal >= 0 ? secondsTotal / 86_400 : (secondsTotal - 86_399) / 86_400
        let secondOfDay = Int(secondsTotal - days * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        // Howard Hinnant's civil_from_days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// `2026-11-21T13:05:01.123456Z`
    public var iso8601: String {
        guard (0...9999).contains(year) else {
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(microsecond, 6))Z"
        }
        return String(unsafeUninitializedCapacity: Self.iso8601Length) { text in
            writeISO8601(text.baseAddress!)
            return Self.iso8601Length
        }
    }

    /// `iso8601` in quotes, as a JSON string's bytes: every record's `recvTime`, written once per
    /// frame straight into bytes.
    public var quotedISO8601: [UInt8] {
        guard (0...9999).contains(year) else { return Array("\"\(iso8601)\"".utf8) }
        return [UInt8](unsafeUninitializedCapacity: Self.iso8601Length + 2) { bytes, count in
            bytes[0] = UInt8(ascii: "\"")
            writeISO8601(bytes.baseAddress! + 1)
            bytes[Self.iso8601Length + 1] = UInt8(ascii: "\"")
            count = Self.iso8601Length + 2
        }
    }

    private static let iso8601Length = 27

    /// Writes the 27 bytes of `iso8601` at `text`, for a year of four digits: each field's digits
    /// right-aligned in its width, then the byte that follows it.
    private func writeISO8601(_ text: UnsafeMutablePointer<UInt8>) {
        var end = 0
        for (value, width, after) in [(year, 4, "-"), (month, 2, "-"), (day, 2, "T"), (hour, 2, ":"), (minute, 2, ":"),
                                      (second, 2, "."), (microsecond, 6, "Z")] as [(Int, Int, Unicode.Scalar)] {
            var rest = value
            for place in stride(from: end + width - 1, through: end, by: -1) {
                text[place] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            text[end + width] = UInt8(ascii: after)
            end += width + 1
        }
    }

    /// `20261121T130501.123456Z`: sortable, and safe in a file name.
    public var compact: String {
        "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))T\(pad(hour, 2))\(pad(minute, 2))\(pad(second, 2)).\(pad(microsecond, 6))Z"
    }

    /// `2026-11-21`
    public var date: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }

    /// The hour as two digits, `00` to `23`.
    public var hourText: String { pad(hour, 2) }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension UTCTime {
    /// Microseconds since the Unix epoch of an ISO-8601 UTC time as records write it
    /// (`2026-11-21T13:05:01.123456Z`), or shorter: `2026-11-21T13:05:01Z`, `2026-11-21T13:05Z`,
    /// `2026-11-21T13Z`, `2026-11-21`, with 1–6 fraction digits and `Z` or `+00:00` (optional
    /// after a time). Nil for anything else, including other offsets.
    public static func microseconds<Bytes: Collection>(iso8601 text: Bytes) -> Int64? where Bytes.Element == UInt8 {
        var parser = TimeTextParser(Array(text))
        return parser.parse()
    }

    public static func microseconds(iso8601 text: String) -> Int64? { microseconds(iso8601: text.utf8) }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The small grammar behind `UTCTime.microseconds(iso8601:)`.
private struct TimeTextParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parse() -> Int64? {
        guard let year = digits(4), literal("-"), let month = digits(2), literal("-"), let day = digits(2),
              (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        var micros = UTCTime.days(year: year, month: month, day: day) * 86_400_000_000
        guard position < bytes.count else { return micros }
        guard literal("T"), let hour = digits(2), hour < 24 else { return nil }
        micros += Int64(hour) * 3_600_000_000
        if literal(":") {
            guard let minute = digits(2), minute < 60 else { return nil }
            micros += Int64(minute) * 60_000_000
            if literal(":") {
                guard let second = digits(2), second < 60 else { return nil }
                micros += Int64(second) * 1_000_000
                if literal(".") {
                    var scale: Int64 = 100_000, fraction: Int64 = 0, count = 0
                    while position < bytes.count, let digit = digit(bytes[position]) {
                        count += 1
                        guard count <= 6 else { return nil }
                        fraction += Int64(digit) * scale
                        scale /= 10
                        position += 1
                    }
                    guard count > 0 else { return nil }
                    micros += fraction
                }
            }
        }
        guard position == bytes.count || literal("Z") || literal("+00:00"), position == bytes.count else { return nil }
        return micros
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private mutating func digits(_ count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<count {
            guard let digit = digit(bytes[position + offset]) else { return nil }
            value = value * 10 + digit
        }
        position += count
        return value
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] { return false }
        position += count
        return true
    }
}
