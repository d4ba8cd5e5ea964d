import Foundation
import Testing
@testable import RecordStorage

/// A data file appears under its name only with its header already in it, and a name is never
/// taken twice.
@Suite struct AppendOnlyFileTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("append-only-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func aNewFileHoldsItsFirstLineAndAppendsAfterIt() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/a.ndjson"
        let file = try AppendOnlyFile(creating: path, startingWith: Array("{\"type\":\"collector.file\"}\n".utf8))
        #expect(file.size == 26)
        #expect(try contents(path) == "{\"type\":\"collector.file\"}\n")
        let appended = Array("{\"n\":1}\n".utf8).withUnsafeBytes { file.append($0) }
        #expect(appended.written == 8 && appended.error == nil && file.size == 34)
        file.close()
        #expect(try contents(path) == "{\"type\":\"collector.file\"}\n{\"n\":1}\n")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o137 == 0, "created 0640 (less the umask): nothing for others, no group write")
    }

    /// Blocks are set aside a step ahead (so a full disk refuses a whole write, with one
    /// `fallocate` every few writes), and what was never written is given back at close.
    @Test func spaceIsReservedAheadAndGivenBackAtClose() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/c.ndjson"
        func allocatedBytes() throws -> Int {
            var status = stat()
            guard stat(path, &status) == 0 else { throw StorageError(operation: "stat", path: path, code: errno) }
            return Int(status.st_blocks) * 512
        }
        let file = try AppendOnlyFile(creating: path, startingWith: Array("header\n".utf8))
        let line = Array("{\"n\":1}\n".utf8)
        #expect(line.withUnsafeBytes { file.append($0) }.error == nil)
        try #require(try allocatedBytes() >= AppendOnlyFile.reservationStep, "this filesystem cannot reserve past the end; nothing to check")
        for _ in 0..<100 { _ = line.withUnsafeBytes { file.append($0) } }
        file.close()
        #expect(try allocatedBytes() < AppendOnlyFile.reservationStep, "the unwritten reservation is given back")
        #expect(try contents(path) == "header\n" + String(repeating: "{\"n\":1}\n", count: 101))
    }

    @Test func aTakenNameIsRefusedAndTheFileThereIsLeftAlone() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/b.ndjson"
        try "already here\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect {
            _ = try AppendOnlyFile(creating: path, startingWith: Array("header\n".utf8))
        } throws: { ($0 as? StorageError)?.code == EEXIST }
        #expect(try contents(path) == "already here\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["b.ndjson"], "nothing else left in the folder")
    }
}
