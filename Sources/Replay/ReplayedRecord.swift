import Glibc
import MarketDecoding
import RecordStorage

/// One record line as a replay sees it: the line's bytes and the fields replay needs, located.
///
/// A view into a reader's buffer: valid until the input it came from advances.
public struct ReplayedRecord {
    /// The line, without its `\n`.
    public let line: UnsafeBufferPointer<UInt8>
    /// The record's `recvTime` (a header's `createdAt`), µs since the epoch.
    public let receivedAtMicros: Int64
    /// Byte ranges of the string contents (no quotes) of `type`, `stream` and `symbol`.
    let type: Range<Int>
    let stream: Range<Int>?
    let symbol: Range<Int>?
    /// The `"recvTime":"…"` member, so duplicates recorded at different times still match.
    let timeMember: Range<Int>?
    let hasEventTime: Bool

    public var typeText: String { text(type) }
    public var streamText: String? { stream.map(text) }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

    func equals(_ range: Range<Int>?, _ bytes: [UInt8]) -> Bool {
        guard let range, range.count == bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { memcmp(line.baseAddress! + range.lowerBound, $0.baseAddress!, range.count) == 0 }
    }

    func isType(_ name: StaticString) -> Bool {
        type.count == name.utf8CodeUnitCount && memcmp(line.baseAddress! + type.lowerBound, name.utf8Start, type.count) == 0
    }

    var isHeader: Bool { isType("collector.file") }
    var isGap: Bool { isType("collector.gap") }
}

/// Finds the fields of `ReplayedRecord` in a scanned line.
struct RecordFieldReader {
    private var times = RecordTimeParser()

    /// The record, or why the line is not one (missing `type`, missing or unreadable time).
    mutating func read(_ line: UnsafeBufferPointer<UInt8>, _ scanner: RecordScanner) -> Result<ReplayedRecord, LineError> {
        guard let type = scanner.member("type", in: line), type.kind == .string else {
            return .failure(LineError(reason: "no string 'type'"))
        }
        let typeRange = Self.contents(type)
        let isHeader = typeRange.count == 14 && memcmp(line.baseAddress! + typeRange.lowerBound, "collector.file", 14) == 0
        guard let time = scanner.member(isHeader ? "createdAt" : "recvTime", in: line), time.kind == .string else {
            return .failure(LineError(reason: isHeader ? "header without 'createdAt'" : "no string 'recvTime'"))
        }
        guard let micros = times.micros(UnsafeBufferPointer(rebasing: line[Self.contents(time)])) else {
            return .failure(LineError(reason: "'\(isHeader ? "createdAt" : "recvTime")' is not an ISO-8601 UTC time"))
        }
        let stream = scanner.member("stream", in: line).flatMap { $0.kind == .string ? Self.contents($0) : nil }
        let symbol = scanner.member("symbol", in: line).flatMap { $0.kind == .string ? Self.contents($0) : nil }
        return .success(ReplayedRecord(
            line: line, receivedAtMicros: micros, type: typeRange, stream: stream, symbol: symbol,
            timeMember: isHeader ? nil : (Int(time.keyStart) - 1)..<Int(time.valueEnd),
            hasEventTime: scanner.member("eventTime", in: line) != nil))
    }

    private static func contents(_ member: RecordScanner.Member) -> Range<Int> {
        (Int(member.valueStart) + 1)..<(Int(member.valueEnd) - 1)
    }
}

/// Why a line was skipped.
struct LineError: Error {
    let reason: String
}
