import Glibc
import RecordStorage

/// One family's files of one data directory, read in order as a single sequence of records that
/// pass the query; the merge's unit.
final class ReplayInput {
    let rank: Int
    private let files: [DataDirectory.File]
    private let query: ReplayQuery
    private let diagnostics: ReplayDiagnostics
    private var nextFile = 0
    private var lines: DataFileLines?
    private var scanner = RecordScanner()
    private var fields = RecordFieldReader()
    private let streams: [[UInt8]]
    private let symbols: [[UInt8]]
    private let types: [[UInt8]]
    var fileCount: Int { files.count }
    /// The record at the front, once `advance()` returned true.
    private(set) var head: ReplayedRecord?

    private let readBufferBytes: Int

    init(rank: Int, files: [DataDirectory.File], query: ReplayQuery, diagnostics: ReplayDiagnostics, readBufferBytes: Int) {
        self.rank = rank
        self.readBufferBytes = readBufferBytes
        self.files = files.filter { query.mayMatch(partitionStartMicros: $0.partitionStartMicros) }
        self.query = query
        self.diagnostics = diagnostics
        streams = query.streams.map { Array($0.utf8) }
        symbols = query.symbols.map { Array($0.utf8) }
        types = query.types.map { Array($0.utf8) }
    }

    /// Moves to the next selected record; false when this input has none left.
    func advance() -> Bool {
        head = nil
        while true {
            if lines == nil {
                guard nextFile < files.count else { return false }
                let file = files[nextFile]
                nextFile += 1
                do {
                    lines = try DataFileLines(path: file.path, bufferSize: readBufferBytes)
                    diagnostics.filesOpened += 1
                } catch {
                    diagnostics.unreadable(error)
                    continue
                }
            }
            let reader = lines!
            let line: UnsafeBufferPointer<UInt8>?
            do {
                line = try reader.next()
            } catch {
                diagnostics.unreadable(error)
                lines = nil
                continue
            }
            guard let line else {
                if reader.fragmentBytes > 0 { diagnostics.fragment(reader.path, reader.lineNumber + 1, bytes: reader.fragmentBytes) }
                lines = nil
                continue
            }
            diagnostics.linesRead += 1
            if line.isEmpty { continue }
            do {
                try scanner.scan(line)
            } catch {
                diagnostics.invalidLine(reader.path, reader.lineNumber, error.description)
                continue
            }
            switch fields.read(line, scanner) {
            case .failure(let error):
                diagnostics.invalidLine(reader.path, reader.lineNumber, error.reason)
            case .success(let record):
                if selects(record) {
                    head = record
                    return true
                }
            }
        }
    }

    private func selects(_ record: ReplayedRecord) -> Bool {
        guard query.contains(micros: record.receivedAtMicros) else { return false }
        if record.isHeader { return query.includeHeaders }
        if record.isGap {
            return streams.isEmpty || streams.contains { Self.lists(record, $0) }
        }
        if !types.isEmpty && !types.contains(where: { record.equals(record.type, $0) }) { return false }
        if !streams.isEmpty && !streams.contains(where: { record.equals(record.stream, $0) }) { return false }
        if !symbols.isEmpty && !symbols.contains(where: { record.equals(record.symbol, $0) }) { return false }
        return true
    }

    /// Whether a gap record's `streams` list names `stream` (names are plain ASCII, never escaped).
    private static func lists(_ record: ReplayedRecord, _ stream: [UInt8]) -> Bool {
        let quoted = [UInt8(ascii: "\"")] + stream + [UInt8(ascii: "\"")]
        let line = record.line
        guard line.count >= quoted.count else { return false }
        return (0...(line.count - quoted.count)).contains { start in
            line[start] == quoted[0] && quoted.indices.allSatisfy { line[start + $0] == quoted[$0] }
        }
    }
}
