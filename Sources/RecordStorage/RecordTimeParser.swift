import MarketDecoding

/// Reads the `recvTime` of record after record: the fixed form the collector writes
/// (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) without allocating, the day of the last date remembered;
/// any other ISO-8601 UTC form through `UTCTime.microseconds(iso8601:)`.
public struct RecordTimeParser {
    private var cachedDate: (bytes: [UInt8], micros: Int64) = ([], 0)

    public init() {}

    /// µs since the epoch of a record time; nil when it is not an ISO-8601 UTC time.
    public mutating func micros(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard text.count == 27, text[10] == UInt8(ascii: "T"), text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"),
              text[19] == UInt8(ascii: "."), text[26] == UInt8(ascii: "Z") else {
            return UTCTime.microseconds(iso8601: text)
        }
        if !cachedDate.bytes.elementsEqual(text[0..<10]) {
            guard let day = UTCTime.microseconds(iso8601: text[0..<10]) else { return nil }
            cachedDate = (Array(text[0..<10]), day)
        }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let hour = number(11..<13), hour < 24, let minute = number(14..<16), minute < 60,
              let second = number(17..<19), second < 60, let fraction = number(20..<26) else { return nil }
        return cachedDate.micros + ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction
    }
}
