import Foundation
import RecordStorage

/// Checks a collector's `asset-index` files against what a server published: each event written
/// once, and each event not written inside a `collector.gap` record.
///
/// Reads every `.ndjson` and `.ndjson.gz` file below `<directory>/asset-index`, skipping a torn last fragment (what
/// a crash leaves) as readers do. Only `assetIndexUpdate` records of `symbol` are counted. Gap
/// edges are compared with `slackMs` of tolerance: a gap is measured on the collector's receive
/// clock, events carry the server's clock.
public struct Completeness: CustomStringConvertible, Sendable {
    /// One event the server published.
    public struct Published: Sendable {
        public let eventTime: Int64
        /// Whether it was sent to at least one collector connection.
        public let delivered: Bool

        public init(eventTime: Int64, delivered: Bool) {
            self.eventTime = eventTime
            self.delivered = delivered
        }
    }

    public struct GapRecord: Sendable {
        public let fromMs: Int64
        public let toMs: Int64
        public let reason: String
    }

    /// Times each event was written, by event time.
    public private(set) var written: [Int64: Int] = [:]
    public private(set) var gaps: [GapRecord] = []
    /// Events neither written nor inside a gap.
    public private(set) var lostUnmarked: [Int64] = []
    /// Events that reached no connection (each must fall in a gap).
    public private(set) var undelivered = 0
    /// Lines that are not JSON objects (a torn line in the middle of a file counts here).
    public private(set) var unreadableLines = 0
    /// Files whose last line is unterminated.
    public private(set) var tornFiles = 0

    public var duplicated: [Int64] { written.filter { $0.value > 1 }.map(\.key).sorted() }

    public init(directory: String, symbol: String, published: [Published], slackMs: Int64 = 300) throws {
        let base = "\(directory)/asset-index"
        let names = (FileManager.default.enumerator(atPath: base)?.allObjects as? [String] ?? []).filter(DataFileReader.isDataFile).sorted()
        for name in names {
            let data = Data(try DataFileReader.contents(of: "\(base)/\(name)"))
            var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if lines.last?.isEmpty == false { tornFiles += 1 }
            lines.removeLast()
            for line in lines {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    unreadableLines += 1
                    continue
                }
                switch object["type"] as? String {
                case "assetIndexUpdate" where object["symbol"] as? String == symbol:
                    if let eventTime = (object["eventTime"] as? NSNumber)?.int64Value { written[eventTime, default: 0] += 1 }
                case "collector.gap":
                    gaps.append(GapRecord(fromMs: (object["fromMs"] as? NSNumber)?.int64Value ?? 0,
                                          toMs: (object["toMs"] as? NSNumber)?.int64Value ?? 0,
                                          reason: object["reason"] as? String ?? ""))
                default:
                    break
                }
            }
        }
        // Events published before the collector's first subscription are nobody's loss.
        for event in published.drop(while: { !$0.delivered }) {
            if !event.delivered { undelivered += 1 }
            guard written[event.eventTime] == nil else { continue }
            let marked = gaps.contains { event.eventTime >= $0.fromMs - slackMs && event.eventTime <= $0.toMs + slackMs }
            if !marked { lostUnmarked.append(event.eventTime) }
        }
    }

    public var description: String {
        "\(written.count) events written, \(duplicated.count) duplicated, \(lostUnmarked.count) lost without a gap record \(lostUnmarked.prefix(5)), \(gaps.count) gap records, \(unreadableLines) unreadable lines, \(tornFiles) torn files"
    }
}
