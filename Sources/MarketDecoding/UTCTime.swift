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
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(microsecond, 6))Z"
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

/// The system's real-time clock in microseconds since the Unix epoch.
public enum WallClock {
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}


import Glibc



