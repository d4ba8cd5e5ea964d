import MarketDecoding

/// The window and pace a consumer chooses in its URL, as tardis-machine takes them:
/// `/market/stream?streams=a/b&from=2026-11-21T13:00Z&to=2026-11-21T14:00Z&speed=10`. Each is
/// optional; the server's own `--from`/`--to` still bound what is served.
struct ReplayRequest: Equatable {
    var fromMicros: Int64?
    var toMicros: Int64?
    var pace: ReplayPace?

    /// Nothing asked: the server's window and pace.
    init() {}

    /// A parameter that could not be used, named, with what it should be.
    struct Problem: Error, Equatable, CustomStringConvertible {
        let parameter: String
        let value: String
        let expected: String
        var description: String { "invalid value '\(value)' for the '\(parameter)' parameter: expected \(expected)" }
    }

    /// Reads `from`, `to` and `speed` from the query of `uri`; other parameters (`streams`) are
    /// the session's.
    init(uri: String) throws(Problem) {
        guard let mark = uri.firstIndex(of: "?") else { return }
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]), value = parts.count > 1 ? String(parts[1]).removingPercentEncoding() : ""
            switch name {
            case "from", "to":
                guard let micros = UTCTime.microseconds(iso8601: value) else {
                    throw Problem(parameter: name, value: value, expected: "an ISO-8601 UTC time, e.g. 2026-11-21T13:00:00Z or 2026-11-21")
                }
                if name == "from" { fromMicros = micros } else { toMicros = micros }
            case "speed":
                guard let pace = ReplayPace(value) else { throw Problem(parameter: name, value: value, expected: ReplayPace.expected) }
                self.pace = pace
            default:
                continue
            }
        }
        if let fromMicros, let toMicros, fromMicros >= toMicros {
            throw Problem(parameter: "to", value: UTCTime(microsecondsSinceEpoch: toMicros).iso8601, expected: "a time after 'from'")
        }
    }
}

private extension String {
    /// `%3A` → `:`, `+` stays (times use none); malformed escapes are kept as they are.
    func removingPercentEncoding() -> String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
               let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
