import MarketDecoding
import RecordStorage

/// Checks every file of a collector's output directory and reports what is wrong with it:
/// unreadable files and corrupt gzip data, missing or wrong header records, lines that are not
/// valid JSON or not a valid record of their family (time outside the file's hour, missing fields),
/// unterminated fragments, rejected frames, recorded gaps, and — since the asset index ticks every
/// second — the seconds missing per symbol, merged into ranges and matched to recorded gaps. It
/// also notes where `recvTime` goes back within a file: the host's wall clock was stepped back
/// (a finding about the clock, not a problem with the data: lines are in the order received),
/// and measures each stream's lag, receive time minus event time.
///
/// Read-only. Memory grows with the number of symbols and holes, not with the data.
public struct DataAudit: Sendable {
    /// One thing found wrong.
    public struct Problem: Sendable {
        public let kind: String
        /// The file, relative to the directory; empty when the problem is not in one file.
        public let file: String
        /// 1-based line, when the problem is one line.
        public let line: Int?
        public let detail: String
    }

    /// A `collector.gap` record.
    public struct Gap: Sendable {
        public let fromMicros: Int64
        public let toMicros: Int64
        public let reason: String
        public let streams: [String]
        public let file: String
        public let line: Int
    }

    /// A line whose `recvTime` is more than a second earlier than the line before it in its file:
    /// the wall clock was stepped back (by about `seconds`, negative) while the file was written.
    public struct ClockStep: Sendable {
        public let file: String
        public let line: Int
        public let seconds: Double
    }

    /// Seconds in which a symbol has no `assetIndexUpdate`.
    public struct MissingSeconds: Sendable {
        public let symbol: String
        public let fromSecond: Int64
        public let toSecond: Int64
        public var seconds: Int64 { toSecond - fromSecond + 1 }
        /// Whether the range lies within a recorded gap (the collector knew).
        public let insideGap: Bool
    }

    public let directory: String
    public private(set) var files = 0
    public private(set) var compressedFiles = 0
    public private(set) var lines = 0
    public private(set) var bytes = 0
    /// Problems found (the first `problemLimit` are kept in `problems`; all are counted).
    public private(set) var problemCount = 0
    public private(set) var problems: [Problem] = []
    public private(set) var gaps: [Gap] = []
    public private(set) var missing: [MissingSeconds] = []
    public private(set) var clockSteps: [ClockStep] = []
    public private(set) var rejectedByReason: [String: Int] = [:]
    public private(set) var symbols = 0
    /// `recvTime` − `eventTime` of the events of each stream (a measurement, never a finding).
    public private(set) var lagByStream: [String: LagDistribution] = [:]
    public let problemLimit: Int

    /// Whether nothing at all was found: no problem, gap, missing second or rejected frame (a step
    /// of the wall clock is noted, but the data is whole).
    public var isClean: Bool { problemCount == 0 && gaps.isEmpty && missing.isEmpty && rejectedByReason.isEmpty }

    /// Audits `directory`. Throws only when the directory itself cannot be listed.
    public init(directory: String, problemLimit: Int = 1000) throws(StorageError) {
        self.directory = directory
        self.problemLimit = problemLimit
        let listing = try DataDirectory(path: directory)
        var coverage: [String: SecondCoverage] = [:]
        var reader = FileReader()
        for file in listing.allFiles {
            files += 1
            if file.isCompressed { compressedFiles += 1 }
            reader.audit(file, relativeTo: directory, into: &self, coverage: &coverage)
        }
        symbols = coverage.count
        gaps = Self.unique(gaps)
        let gapSeconds = gaps.map { ($0.fromMicros / 1_000_000)...(($0.toMicros + 999_999) / 1_000_000) }
        for symbol in coverage.keys.sorted() {
            for hole in coverage[symbol]!.holes {
                let inside = gapSeconds.contains { $0.lowerBound <= hole.lowerBound && hole.upperBound <= $0.upperBound }
                missing.append(MissingSeconds(symbol: symbol, fromSecond: hole.lowerBound, toSecond: hole.upperBound, insideGap: inside))
            }
        }
    }

    /// A gap concerning several families is written into each of them: one entry per gap, with
    /// every stream it names.
    private static func unique(_ gaps: [Gap]) -> [Gap] {
        var merged: [Gap] = []
        for gap in gaps.sorted(by: { ($0.fromMicros, $0.toMicros) < ($1.fromMicros, $1.toMicros) }) {
            if let last = merged.last, last.fromMicros == gap.fromMicros, last.toMicros == gap.toMicros, last.reason == gap.reason {
                merged[merged.count - 1] = Gap(fromMicros: last.fromMicros, toMicros: last.toMicros, reason: last.reason,
                                               streams: last.streams + gap.streams.filter { !last.streams.contains($0) },
                                               file: last.file, line: last.line)
            } else {
                merged.append(gap)
            }
        }
        return merged
    }

    mutating func report(_ kind: String, _ file: String, line: Int? = nil, _ detail: String) {
        problemCount += 1
        if problems.count < problemLimit { problems.append(Problem(kind: kind, file: file, line: line, detail: detail)) }
    }

    fileprivate mutating func count(lines: Int, bytes: Int) {
        self.lines += lines
        self.bytes += bytes
    }

    fileprivate mutating func add(_ gap: Gap) { gaps.append(gap) }

    fileprivate mutating func add(_ step: ClockStep) { clockSteps.append(step) }

    fileprivate mutating func rejected(_ reason: String) { rejectedByReason[reason, default: 0] += 1 }

    fileprivate mutating func add(lags: [String: LagDistribution]) {
        for (stream, lag) in lags { lagByStream[stream, default: LagDistribution()].merge(lag) }
    }
}

/// Reads one file after another, with one scanner and time parser for all of them.
private struct FileReader {
    /// How far `recvTime` may go back between two lines before it counts as a clock step (records
    /// from different threads reach the writer a few milliseconds out of order).
    static let clockStepMicros: Int64 = 1_000_000

    private var scanner = RecordScanner()
    private var times = RecordTimeParser()
    /// The previous line's `recvTime` in the file being read.
    private var previousMicros: Int64?
    /// The lags of the file being read, by stream.
    private var lags: [String: LagDistribution] = [:]

    mutating func audit(_ file: DataDirectory.File, relativeTo directory: String, into audit: inout DataAudit,
                        coverage: inout [String: SecondCoverage]) {
        let name = String(file.path.dropFirst(directory.count + 1))
        let lines: DataFileLines
        do {
            lines = try DataFileLines(path: file.path)
        } catch {
            audit.report("unreadable", name, error.description)
            return
        }
        var fileCoverage: [String: SecondCoverage] = [:]
        previousMicros = nil
        lags = [:]
        defer {
            audit.count(lines: lines.lineNumber, bytes: lines.bytesRead)
            audit.add(lags: lags)
            for (symbol, seconds) in fileCoverage { coverage[symbol, default: SecondCoverage()].merge(seconds) }
        }
        while true {
            let next: UnsafeBufferPointer<UInt8>?
            do {
                next = try lines.next()
            } catch {
                audit.report("corrupt-gzip", name, line: lines.lineNumber + 1, "compressed data is corrupt or truncated after line \(lines.lineNumber)")
                return
            }
            guard let line = next else { break }
            let number = lines.lineNumber
            do {
                try scanner.scan(line)
            } catch {
                audit.report("invalid-json", name, line: number, error.description)
                continue
            }
            check(line, number: number, file: file, name: name, into: &audit, coverage: &fileCoverage)
        }
        if lines.lineNumber == 0 && lines.fragmentBytes == 0 { audit.report("header", name, "the file is empty (no header record)") }
        if lines.fragmentBytes > 0 {
            audit.report("unterminated-fragment", name, line: lines.lineNumber + 1, "\(lines.fragmentBytes) bytes after the last newline (a write cut short)")
        }
    }

    private mutating func check(_ line: UnsafeBufferPointer<UInt8>, number: Int, file: DataDirectory.File, name: String,
                                into audit: inout DataAudit, coverage: inout [String: SecondCoverage]) {
        guard let type = string("type", line) else {
            audit.report("schema", name, line: number, "no string 'type'")
            return
        }
        if number == 1 || type == "collector.file" {
            checkHeader(type, line, number: number, file: file, name: name, into: &audit)
            return
        }
        guard let recvTime = member("recvTime", line), recvTime.kind == .string,
              let micros = times.micros(UnsafeBufferPointer(rebasing: line[(Int(recvTime.valueStart) + 1)..<(Int(recvTime.valueEnd) - 1)])) else {
            audit.report("schema", name, line: number, "\(type) without an ISO-8601 'recvTime'")
            return
        }
        if let start = file.partitionStartMicros, micros < start || micros >= start + 3_600_000_000 {
            audit.report("schema", name, line: number, "recvTime \(UTCTime(microsecondsSinceEpoch: micros).iso8601) is outside the file's hour")
        }
        if let previous = previousMicros, micros < previous - Self.clockStepMicros {
            audit.add(DataAudit.ClockStep(file: name, line: number, seconds: Double(micros - previous) / 1e6))
        }
        previousMicros = micros
        let expected: String
        switch (type, RestDocument.known.first { $0.recordType == type }) {
        case ("assetIndexUpdate", _), ("contractInfo", _):
            expected = type == "contractInfo" ? "contract-info" : "asset-index"
            guard let stream = string("stream", line), let eventTime = integer("eventTime", line), let symbol = string("symbol", line) else {
                audit.report("schema", name, line: number, "\(type) without a string 'stream', an integer 'eventTime' and a string 'symbol'")
                return
            }
            lags[stream, default: LagDistribution()].add(lagMicros: micros - eventTime * 1000)
            if type == "assetIndexUpdate" {
                coverage[symbol, default: SecondCoverage()].add(eventTime >= 0 ? eventTime / 1000 : (eventTime - 999) / 1000)
            }
        case (_, let document?):
            expected = document.family.name
            guard string("stream", line) == document.stream, let key = scanner.member(document.keyField, in: line), key.kind == .string else {
                audit.report("schema", name, line: number, "\(type) without 'stream' \(document.stream) and a string '\(document.keyField)'")
                return
            }
        case ("collector.gap", _):
            expected = file.family
            guard let from = string("from", line).flatMap(UTCTime.microseconds(iso8601:)),
                  let to = string("to", line).flatMap(UTCTime.microseconds(iso8601:)), let reason = string("reason", line),
                  let streams = member("streams", line), streams.kind == .array else {
                audit.report("schema", name, line: number, "collector.gap without 'from', 'to', 'reason' and 'streams'")
                return
            }
            let list = String(decoding: UnsafeBufferPointer(rebasing: line[Int(streams.valueStart)..<Int(streams.valueEnd)]), as: UTF8.self)
            let names = list.dropFirst().dropLast().split(separator: ",").map { String($0.dropFirst().dropLast()) }
            audit.add(DataAudit.Gap(fromMicros: from, toMicros: to, reason: reason, streams: names, file: name, line: number))
        case ("collector.rejected", _):
            expected = "rejected"
            guard let reason = string("reason", line), string("payload", line) != nil else {
                audit.report("schema", name, line: number, "collector.rejected without 'reason' and 'payload'")
                return
            }
            audit.rejected(reason)
        default:
            expected = "other-events"
            guard let stream = string("stream", line), let raw = member("raw", line), raw.kind == .object else {
                audit.report("schema", name, line: number, "\(type) event without a string 'stream' and an object 'raw'")
                return
            }
            if let eventTime = integer("eventTime", line) { lags[stream, default: LagDistribution()].add(lagMicros: micros - eventTime * 1000) }
        }
        if expected != file.family, StreamFamily.all.contains(where: { $0.name == file.family }) {
            audit.report("schema", name, line: number, "a \(type) record in the \(file.family) family")
        }
    }

    private mutating func checkHeader(_ type: String, _ line: UnsafeBufferPointer<UInt8>, number: Int, file: DataDirectory.File,
                                      name: String, into audit: inout DataAudit) {
        guard number == 1 else {
            audit.report("header", name, line: number, "a collector.file header in the middle of the file")
            return
        }
        guard type == "collector.file" else {
            audit.report("header", name, line: 1, "the first line is a \(type) record, not the collector.file header")
            return
        }
        guard string("family", line) == file.family, integer("schemaVersion", line) == 1, string("fileId", line) != nil,
              string("createdAt", line).flatMap(UTCTime.microseconds(iso8601:)) != nil else {
            audit.report("header", name, line: 1, "the header does not name family \(file.family), schemaVersion 1, a fileId and createdAt")
            return
        }
        if let start = file.partitionStartMicros {
            let time = UTCTime(microsecondsSinceEpoch: start)
            if string("date", line) != time.date || string("hour", line) != time.hourText {
                audit.report("header", name, line: 1, "the header's date/hour differ from the folder's")
            }
        }
    }

    private func member(_ key: StaticString, _ line: UnsafeBufferPointer<UInt8>) -> RecordScanner.Member? {
        scanner.member(key, in: line)
    }

    private func string(_ key: StaticString, _ line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let found = member(key, line), found.kind == .string else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: line[(Int(found.valueStart) + 1)..<(Int(found.valueEnd) - 1)]), as: UTF8.self)
    }

    private func isInteger(_ key: StaticString, _ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let found = member(key, line), found.kind == .number else { return false }
        return !line[Int(found.valueStart)..<Int(found.valueEnd)].contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }
    }

    private func integer(_ key: StaticString, _ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard isInteger(key, line), let found = member(key, line) else { return nil }
        return Int64(String(decoding: UnsafeBufferPointer(rebasing: line[Int(found.valueStart)..<Int(found.valueEnd)]), as: UTF8.self))
    }
}
