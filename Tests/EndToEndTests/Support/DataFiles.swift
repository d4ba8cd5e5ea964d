import Foundation

/// Reads back what the daemon wrote: every `.ndjson` file of a family, checked for a header
/// record first and whole lines only.
struct DataFiles {
    let directory: String

    func paths(_ family: String) -> [String] {
        let base = "\(directory)/\(family)"
        let all = FileManager.default.enumerator(atPath: base)?.allObjects as? [String] ?? []
        return all.filter { $0.hasSuffix(".ndjson") }.sorted().map { "\(base)/\($0)" }
    }

    /// All data lines (header records excluded) of `family`, in file order. With
    /// `skippingTornTails`, a file may end in an unterminated fragment (what a crash leaves),
    /// which is skipped as readers do; otherwise that is an error.
    func lines(_ family: String, skippingTornTails: Bool = false) throws -> [String] {
        try paths(family).flatMap { path -> [String] in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.last == "" || skippingTornTails else { throw HarnessError("\(path) does not end with a newline") }
            lines.removeLast()
            if lines.isEmpty && skippingTornTails { return [] }
            guard let header = lines.first, header.hasPrefix(#"{"type":"collector.file""#) else {
                throw HarnessError("\(path) does not begin with a collector.file header")
            }
            return Array(lines.dropFirst())
        }
    }

    func objects(_ family: String, skippingTornTails: Bool = false) throws -> [[String: Any]] {
        try lines(family, skippingTornTails: skippingTornTails).map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw HarnessError("not a JSON object: \(line)")
            }
            return object
        }
    }

    /// Every file below the data directory, whatever its name.
    var allFiles: [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: "\(directory)/\($0)", isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
    }
}
