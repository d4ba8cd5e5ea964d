import Clocks
import Foundation
import Testing
@testable import MarketDecoding
@testable import RecordStorage

/// Compression and retention: closed files only, atomically, the open file never touched.
@Suite struct FileMaintenanceTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("maintenance-\(UUID().uuidString)").path
    let now: Int64 = 1_795_268_300_000_000  // 2026-11-21T13:38:20Z

    /// Writes a data file `minutesAgo` old (modification time) with `lines` lines.
    @discardableResult
    func file(_ name: String, hour: String = "13", family: String = "asset-index", minutesAgo: Int64, lines: Int = 50) throws -> String {
        let folder = "\(root)/\(family)/date=2026-11-21/hour=\(hour)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/\(name)"
        let text = (0..<lines).map { #"{"type":"assetIndexUpdate","n":\#($0),"file":"\#(name)"}"# + "\n" }.joined()
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let date = Date(timeIntervalSince1970: Double(now - minutesAgo * 60_000_000) / 1e6)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
        return path
    }

    func gunzip(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip -t accepts \(path)")
        return String(decoding: data, as: UTF8.self)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func closedFilesPastTheGraceBecomeGzipWithTheSameLinesAndTime() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = try file("asset-index-20261121T130000.000000Z-aaaaaaaa.ndjson", minutesAgo: 30)
        let recent = try file("asset-index-20261121T133000.000000Z-bbbbbbbb.ndjson", minutesAgo: 5)
        let open = try file("asset-index-20261121T120000.000000Z-cccccccc.ndjson", hour: "12", family: "contract-info", minutesAgo: 90)
        let original = try String(contentsOfFile: old, encoding: .utf8)
        let originalTime = try FileManager.default.attributesOfItem(atPath: old)[.modificationDate] as? Date
        var events: [StorageEvent] = []
        let maintenance = FileMaintenance(directory: root) { events.append($0) }

        let pass = maintenance.run(configuration: StorageConfiguration(directory: root, compressAfterSeconds: 600), openPaths: [open], now: Moment(wallMicros: now, monotonicNanos: 1_000_000_000_000))
        #expect(pass.compressed == 1)
        #expect(!exists(old) && exists(old + ".gz"))
        #expect(try gunzip(old + ".gz") == original)
        #expect(try FileManager.default.attributesOfItem(atPath: old + ".gz")[.modificationDate] as? Date == originalTime)
        #expect(exists(recent), "inside the grace period: shippers may still be reading it")
        #expect(exists(open), "the open file is never touched, however old")
        let folder = (old as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
            "asset-index-20261121T130000.000000Z-aaaaaaaa.ndjson.gz", "asset-index-20261121T133000.000000Z-bbbbbbbb.ndjson",
        ], "no temporary file left behind")
        #expect(events.count == 1)
        #expect(try DataFileReader.contents(of: old + ".gz") == Array(original.utf8))
        // A truncated .gz is an error, never a silently short file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: old + ".gz"))
        try bytes.prefix(bytes.count - 12).write(to: URL(fileURLWithPath: old + ".cut.gz"))
        #expect(throws: StorageError.self) { try DataFileReader.contents(of: old + ".cut.gz") }
        // The newest file's time (start of a collector-down gap) survives compression.
        #expect(TailInspector.newest(under: "\(root)/contract-info")?.path == open)
    }

    /// A file this run closed is aged on the monotonic clock from its close: a wall clock stepped
    /// an hour ahead does not make a file closed a minute ago look settled (nor back, unsettled).
    @Test func aFileClosedByThisRunIsAgedOnTheMonotonicClock() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let justClosed = try file("asset-index-20261121T130000.000000Z-aaaaaaaa.ndjson", minutesAgo: 1)
        let longClosed = try file("asset-index-20261121T131000.000000Z-bbbbbbbb.ndjson", minutesAgo: 1)
        let maintenance = FileMaintenance(directory: root) { _ in }
        let monotonic: Int64 = 5_000_000_000_000
        let stepped = Moment(wallMicros: now + 3_600_000_000, monotonicNanos: monotonic)
        let closedAt = [justClosed: monotonic - 60_000_000_000, longClosed: monotonic - 700_000_000_000]
        let pass = maintenance.run(configuration: StorageConfiguration(directory: root, compressAfterSeconds: 600), openPaths: [],
                                   closedAt: closedAt, now: stepped)
        #expect(pass.compressed == 1)
        #expect(exists(justClosed), "closed 60 s ago by the monotonic clock: still in its grace")
        #expect(exists(longClosed + ".gz"), "closed 700 s ago by the monotonic clock, though its mtime says a minute")
    }

    @Test func leftoversOfAnInterruptedCompressionAreCleanedUp() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let done = try file("asset-index-20261121T130000.000000Z-aaaaaaaa.ndjson", minutesAgo: 30)
        try FileManager.default.copyItem(atPath: done, toPath: done + ".gz")  // stands for a complete .gz
        let halfway = try file("asset-index-20261121T131000.000000Z-bbbbbbbb.ndjson", minutesAgo: 30)
        let folder = (halfway as NSString).deletingLastPathComponent
        try "partial".write(toFile: "\(folder)/.asset-index-20261121T131000.000000Z-bbbbbbbb.compressing", atomically: false, encoding: .utf8)

        FileMaintenance(directory: root) { _ in }.run(configuration: StorageConfiguration(directory: root, compressAfterSeconds: 600), openPaths: [], now: Moment(wallMicros: now, monotonicNanos: 1_000_000_000_000))
        #expect(!exists(done), "the original of a completed compression is removed")
        #expect(exists(done + ".gz"))
        #expect(try gunzip(halfway + ".gz").contains("bbbbbbbb"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
            "asset-index-20261121T130000.000000Z-aaaaaaaa.ndjson.gz", "asset-index-20261121T131000.000000Z-bbbbbbbb.ndjson.gz",
        ])
    }

    @Test func retentionDeletesByAgeThenOldestFirstBySizeNeverTheOpenFile() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ancient = try file("asset-index-20261110T130000.000000Z-aaaaaaaa.ndjson", hour: "09", minutesAgo: 11 * 1440)
        let older = try file("asset-index-20261121T100000.000000Z-bbbbbbbb.ndjson", hour: "10", minutesAgo: 200)
        let contractInfo = try file("contract-info-20261121T103000.000000Z-ffffffff.ndjson", hour: "10", family: "contract-info", minutesAgo: 180)
        let old = try file("asset-index-20261121T110000.000000Z-cccccccc.ndjson", hour: "11", minutesAgo: 150)
        let open = try file("asset-index-20261121T050000.000000Z-dddddddd.ndjson", hour: "05", family: "contract-info", minutesAgo: 500)
        let newest = try file("asset-index-20261121T130000.000000Z-eeeeeeee.ndjson", minutesAgo: 1)
        let size = try FileManager.default.attributesOfItem(atPath: newest)[.size] as! Int
        let maintenance = FileMaintenance(directory: root) { _ in }

        // 10 days: only the 11-day-old file goes; its emptied folder with it.
        var pass = maintenance.run(configuration: StorageConfiguration(directory: root, compressAfterSeconds: nil, retainDays: 10), openPaths: [open], now: Moment(wallMicros: now, monotonicNanos: 1_000_000_000_000))
        #expect(pass.deleted == 1 && !exists(ancient) && exists(older))
        #expect(!exists((ancient as NSString).deletingLastPathComponent))

        // Room for about three files: the oldest closed ones go first, whatever their family; the
        // open one stays although older.
        pass = maintenance.run(configuration: StorageConfiguration(directory: root, compressAfterSeconds: nil, retainBytes: size * 3 + 10), openPaths: [open], now: Moment(wallMicros: now, monotonicNanos: 1_000_000_000_000))
        #expect(pass.deleted == 2)
        #expect(!exists(older) && !exists(contractInfo))
        #expect(exists(old) && exists(open) && exists(newest))
    }
}
