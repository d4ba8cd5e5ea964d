import Foundation
import MarketServer
import Synchronization

/// Publishes one `!assetIndex@arr` event every `interval`, like Binance's 1 s tick but faster,
/// each with a unique, increasing event time (the wall clock in ms), and remembers how many
/// connections each event was sent to.
final class TickingFeed: Sendable {
    struct Sent: Sendable {
        let eventTime: Int64
        let recipients: Int
    }

    static let stream = "!assetIndex@arr"
    static let symbol = "ADAUSD"

    private let hub: MarketHub
    private let sent = Mutex<[Sent]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(hub: MarketHub, interval: Duration = .milliseconds(100)) {
        self.hub = hub
        let feed = Task { [self] in
            var last: Int64 = 0
            var tick = 0
            while !Task.isCancelled {
                let eventTime = max(Int64(Date().timeIntervalSince1970 * 1000), last + 1)
                last = eventTime
                tick += 1
                let recipients = hub.publish(stream: Self.stream, payload: "[" + Wire.assetIndex(Self.symbol, eventTime: eventTime, tick: tick % 10_000) + "]")
                self.sent.withLock { $0.append(Sent(eventTime: eventTime, recipients: recipients)) }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = feed }
    }

    /// Stops publishing; returns every event published.
    func stop() -> [Sent] {
        task.withLock { $0?.cancel() }
        return sent.withLock { $0 }
    }

    var count: Int { sent.withLock { $0.count } }
}

/// What the files say about a run of a `TickingFeed` (its symbol only): each event once, gaps where events are missing.
struct Completeness: CustomStringConvertible {
    var written: [Int64: Int] = [:]
    var gaps: [(fromMs: Int64, toMs: Int64, reason: String)] = []
    /// Events sent to a connection (or to none) that are neither written nor inside a gap.
    var lostUnmarked: [Int64] = []
    /// Events sent to no connection: each must fall in a gap.
    var unsent = 0
    var duplicated: [Int64] { written.filter { $0.value > 1 }.map(\.key).sorted() }

    /// Reads `asset-index` from `files` and checks it against `sent`. Gap edges are compared with
    /// `slackMs` of tolerance: a gap is measured on the collector's receive clock, events carry
    /// the server's clock.
    init(files: DataFiles, sent: [TickingFeed.Sent], slackMs: Int64 = 300) throws {
        for object in try files.objects("asset-index") {
            switch object["type"] as? String {
            case "assetIndexUpdate" where object["symbol"] as? String == TickingFeed.symbol:
                if let eventTime = (object["eventTime"] as? NSNumber)?.int64Value { written[eventTime, default: 0] += 1 }
            case "collector.gap":
                let from = (object["fromMs"] as? NSNumber)?.int64Value ?? 0
                let to = (object["toMs"] as? NSNumber)?.int64Value ?? 0
                gaps.append((from, to, object["reason"] as? String ?? ""))
            default:
                break
            }
        }
        // Events published before the collector's first subscription are nobody's loss.
        for event in sent.drop(while: { $0.recipients == 0 }) {
            if event.recipients == 0 { unsent += 1 }
            guard written[event.eventTime] == nil else { continue }
            let marked = gaps.contains { event.eventTime >= $0.fromMs - slackMs && event.eventTime <= $0.toMs + slackMs }
            if !marked { lostUnmarked.append(event.eventTime) }
        }
    }

    var description: String {
        "\(written.count) events written, \(duplicated.count) duplicated, \(lostUnmarked.count) lost without a gap record \(lostUnmarked.prefix(5)), gaps: \(gaps)"
    }
}
