import Clocks
import Foundation
import Testing
@testable import MarketDecoding
@testable import RecordStorage

@Suite struct RecordStoreTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
    let hour13: Int64 = 1_795_268_300_000_000  // 2026-11-21T13:38:20Z

    /// A moment whose wall clock reads `wallMicros` and whose monotonic clock kept pace with it.
    func at(_ wallMicros: Int64) -> Moment { Moment(wallMicros: wallMicros, monotonicNanos: wallMicros * 1000) }

    func record(_ n: Int, at micros: Int64, family: StreamFamily = .assetIndex) -> Record {
        Record(family: family, receivedAtMicros: micros, line: Array(#"{"type":"assetIndexUpdate","n":\#(n)}"#.utf8) + [0x0A])
    }

    func files(_ family: StreamFamily = .assetIndex) throws -> [String] {
        let base = "\(root)/\(family.name)"
        let all = FileManager.default.enumerator(atPath: base)?.allObjects as? [String] ?? []
        return all.filter { $0.hasSuffix(".ndjson") }.sorted().map { "\(base)/\($0)" }
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func dataNumbers(_ paths: [String]) throws -> [Int] {
        try paths.flatMap { try lines($0) }.compactMap { line in
            guard let data = line.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object["n"] as? Int
        }
    }

    @Test func filesLiveInHivePartitionsAndBeginWithAUniqueHeader() throws {
        let store = try RecordStore(configuration: StorageConfiguration(directory: root)) { _ in }
        store.append([record(1, at: hour13), record(2, at: hour13)], now: at(hour13))
        store.close()
        let paths = try files()
        #expect(paths.count == 1)
        let path = try #require(paths.first)
        #expect(path.contains("/asset-index/date=2026-11-21/hour=13/asset-index-20261121T133820.000000Z-"))
        #expect(path.hasSuffix(".ndjson"))
        let content = try lines(path)
        #expect(content.count == 4 && content.last == "")
        let header = try #require(JSONSerialization.jsonObject(with: Data(content[0].utf8)) as? [String: Any])
        #expect(header["type"] as? String == "collector.file")
        #expect((header["fileId"] as? String)?.count == 32)
        #expect(header["schemaVersion"] as? Int == 1)
        #expect(header["family"] as? String == "asset-index")
        #expect(header["createdAt"] as? String == "2026-11-21T13:38:20.000000Z")
        #expect(try dataNumbers(paths) == [1, 2])
    }

    @Test func rotatesBySizeIntoNewFilesWithoutSplittingLines() throws {
        var configuration = StorageConfiguration(directory: root)
        configuration.rotateBytes = 4096
        let store = try RecordStore(configuration: configuration) { _ in }
        for n in 0..<300 { store.append([record(n, at: hour13 + Int64(n))], now: at(hour13 + Int64(n))) }
        store.close()
        let paths = try files()
        #expect(paths.count > 2)
        for path in paths {
            let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(size <= 4096)
            #expect(try lines(path).first?.contains("collector.file") == true)
        }
        #expect(Set(paths.map { try! lines($0)[0] }).count == paths.count)
        #expect(try dataNumbers(paths) == Array(0..<300))
    }

    @Test func rotatesByAgeAndAtEachNewHour() throws {
        var configuration = StorageConfiguration(directory: root)
        configuration.rotateSeconds = 10
        let store = try RecordStore(configuration: configuration) { _ in }
        store.append([record(1, at: hour13)], now: at(hour13))
        store.append([record(2, at: hour13 + 5_000_000)], now: at(hour13 + 5_000_000))
        store.append([record(3, at: hour13 + 11_000_000)], now: at(hour13 + 11_000_000))
        let nextHour = hour13 + 22 * 60 * 1_000_000  // 14:00:20
        store.append([record(4, at: nextHour)], now: at(hour13 + 12_000_000))
        store.close()
        let paths = try files()
        #expect(paths.count == 3)
        #expect(try dataNumbers([paths[0]]) == [1, 2])
        #expect(try dataNumbers([paths[1]]) == [3])
        #expect(paths[2].contains("/date=2026-11-21/hour=14/"))
        #expect(try dataNumbers([paths[2]]) == [4])
    }

    /// A file's age is counted on the monotonic clock: a step of the wall clock neither ages a file
    /// early (forward) nor keeps it open for ever (backward); the folder still follows `recvTime`.
    @Test func aWallClockStepNeitherAgesNorPinsAFile() throws {
        var configuration = StorageConfiguration(directory: root)
        configuration.rotateSeconds = 10
        let store = try RecordStore(configuration: configuration) { _ in }
        let start = at(hour13)
        store.append([record(1, at: hour13)], now: start)
        // The wall clock jumps 20 minutes ahead one second later: same hour, same file.
        let stepped = Moment(wallMicros: hour13 + 20 * 60_000_000, monotonicNanos: start.monotonicNanos + 1_000_000_000)
        store.append([record(2, at: stepped.wallMicros)], now: stepped)
        store.tick(now: stepped)
        // ...and 7 s back: still the same file, which closes 10 s after it opened, by the monotonic clock.
        let back = Moment(wallMicros: hour13 - 7_000_000 + 2_000_000, monotonicNanos: start.monotonicNanos + 2_000_000_000)
        store.append([record(3, at: back.wallMicros)], now: back)
        store.tick(now: Moment(wallMicros: back.wallMicros + 1_000_000, monotonicNanos: start.monotonicNanos + 10_000_000_000))
        store.append([record(4, at: back.wallMicros + 2_000_000)], now: Moment(wallMicros: back.wallMicros + 2_000_000, monotonicNanos: start.monotonicNanos + 11_000_000_000))
        store.close()
        let paths = try files()
        #expect(paths.count == 2)
        #expect(Set(try paths.map { try dataNumbers([$0]) }) == [[1, 2, 3], [4]])
    }

    @Test func aQuietFileIsClosedOnceItIsOld() throws {
        var configuration = StorageConfiguration(directory: root)
        configuration.rotateSeconds = 10
        var closed: [String] = []
        let store = try RecordStore(configuration: configuration) { event in
            if case .fileClosed(let path, _, _) = event { closed.append(path) }
        }
        store.append([record(1, at: hour13)], now: at(hour13))
        store.tick(now: at(hour13 + 5_000_000))
        #expect(closed.isEmpty)
        store.tick(now: at(hour13 + 10_000_000))
        #expect(closed.count == 1)
    }

    @Test func familiesGetSeparateFolders() throws {
        let store = try RecordStore(configuration: StorageConfiguration(directory: root)) { _ in }
        store.append([record(1, at: hour13), record(2, at: hour13, family: .contractInfo), record(3, at: hour13)], now: at(hour13))
        store.close()
        #expect(try dataNumbers(files(.assetIndex)) == [1, 3])
        #expect(try dataNumbers(files(.contractInfo)) == [2])
    }

    @Test func anUnterminatedLastFileIsReportedLeftAloneAndNotAppendedTo() throws {
        let first = try RecordStore(configuration: StorageConfiguration(directory: root)) { _ in }
        first.append([record(1, at: hour13)], now: at(hour13))
        first.close()
        let old = try #require(try files().first)
        let handle = try #require(FileHandle(forWritingAtPath: old))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"type":"assetIndexUpdate","n":2"#.utf8))
        try handle.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: old))

        var reported: [(String, Int)] = []
        let second = try RecordStore(configuration: StorageConfiguration(directory: root)) { event in
            if case .unterminatedTail(let path, let bytes) = event { reported.append((path, bytes)) }
        }
        #expect(reported.count == 1)
        #expect(reported.first?.0 == old)
        #expect(reported.first?.1 == 32)
        second.append([record(3, at: hour13 + 1)], now: at(hour13 + 1_000_000))
        second.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: old)) == before)
        let paths = try files()
        #expect(paths.count == 2)
        #expect(try dataNumbers([paths[1]]) == [3])
    }

    /// The periodic sync of a second's lines is done in place; one with a megabyte or more to
    /// write is handed to the background (the writer goes on appending meanwhile) and reported
    /// when it completes — by `close` at the latest, which returns only once it has.
    @Test func aLargeSyncRunsInTheBackgroundAndIsReportedOnceComplete() throws {
        var events: [StorageEvent] = []
        let store = try RecordStore(configuration: StorageConfiguration(directory: root, fsyncIntervalMilliseconds: 1000)) { events.append($0) }
        func syncs() -> Int { events.filter { if case .synced = $0 { true } else { false } }.count }
        store.append((0..<10).map { record($0, at: hour13) }, now: at(hour13))
        store.tick(now: at(hour13 + 1_100_000))
        #expect(syncs() == 1, "a few lines are synced in place")
        let many = (10..<40_000).map { record($0, at: hour13 + 2_000_000) }
        #expect(many.reduce(0) { $0 + $1.line.count } >= FileSeries.backgroundSyncBytes)
        store.append(many, now: at(hour13 + 2_000_000))
        store.tick(now: at(hour13 + 2_200_000))
        #expect(syncs() == 1, "handed over, so not reported before the store's next turn")
        store.append([record(40_000, at: hour13 + 2_300_000)], now: at(hour13 + 2_300_000))
        store.close()
        #expect(syncs() == 2, "the large sync is reported once, after it completed")
        #expect(try dataNumbers(files()) == Array(0...40_000))
        #expect(!events.contains { if case .writeFailed = $0 { true } else { false } })
    }

    @Test func refusedWritesAreBufferedAndWrittenInOrderLater() throws {
        let store = try RecordStore(configuration: StorageConfiguration(directory: root)) { _ in }
        store.append([record(1, at: hour13)], now: at(hour13))
        store.close()
        // Make the partition folder unwritable by replacing the family folder with a file.
        try FileManager.default.removeItem(atPath: "\(root)/asset-index")
        _ = FileManager.default.createFile(atPath: "\(root)/asset-index", contents: Data())
        var events: [StorageEvent] = []
        let failing = try RecordStore(configuration: StorageConfiguration(directory: root)) { events.append($0) }
        failing.append([record(2, at: hour13)], now: at(hour13))
        failing.append([record(3, at: hour13)], now: at(hour13 + 1))
        #expect(failing.isFailing)
        #expect(events.filter { if case .writeFailed = $0 { true } else { false } }.count == 1)
        try FileManager.default.removeItem(atPath: "\(root)/asset-index")
        failing.tick(now: at(hour13 + 10_000_000))
        #expect(!failing.isFailing)
        failing.close()
        #expect(try dataNumbers(files()) == [2, 3])
    }

    @Test func anOverflowingBufferDropsTheOldestAndMarksThemWithAGapRecordFirst() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(root)/asset-index", contents: Data())
        var events: [StorageEvent] = []
        let lineBytes = record(100, at: hour13).line.count
        let store = try RecordStore(configuration: StorageConfiguration(directory: root, bufferBytes: 65_536)) { events.append($0) }
        let total = 65_536 / lineBytes + 50
        for n in 0..<total {
            store.append([Record(family: .assetIndex, receivedAtMicros: hour13 + Int64(n), line: record(100 + n, at: hour13).line,
                                 identity: EventIdentity(stream: "!assetIndex@arr", symbol: "ADAUSD", eventTime: Int64(n)))],
                         now: at(hour13 + Int64(n)))
        }
        #expect(store.bufferedBytes <= 65_536)
        #expect(events.filter { if case .droppedOldest(_, _, true) = $0 { true } else { false } }.count == 1, "logged once per episode")
        try FileManager.default.removeItem(atPath: "\(root)/asset-index")
        store.tick(now: at(hour13 + 10_000_000))
        store.close()
        let all = try files().flatMap { try lines($0) }.filter { !$0.isEmpty && !$0.contains("collector.file") }
        let gap = try #require(all.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(gap["type"] as? String == "collector.gap")
        #expect(gap["reason"] as? String == "buffer-overflow")
        #expect(gap["streams"] as? [String] == ["!assetIndex@arr"])
        let kept = try dataNumbers(files())
        let dropped = try #require(gap["droppedRecords"] as? Int)
        #expect(dropped > 0 && dropped + kept.count == total, "every record is either written or counted in the gap")
        #expect(kept == Array((100 + dropped)..<(100 + total)), "the newest survive, in order")
        #expect(gap["from"] as? String == "2026-11-21T13:38:20.000000Z")
        #expect(events.contains { if case .gapRecorded = $0 { true } else { false } })
    }
}
