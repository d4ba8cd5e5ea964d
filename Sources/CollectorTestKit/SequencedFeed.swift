import Foundation
import MarketServer
import Synchronization

/// Publishes one `!assetIndex@arr` event every `interval` — Binance's 1 s tick, faster — each with
/// a unique, increasing event time (the wall clock in ms), and remembers how many connections
/// each event was sent to, so a checker can tell what a collector must have.
public final class SequencedFeed: Sendable {
    /// One published event.
    public struct Sent: Sendable {
        public let eventTime: Int64
        /// Connections it was sent to (0: no collector was subscribed).
        public let recipients: Int
    }

    public static let stream = "!assetIndex@arr"
    public static let symbol = "ADAUSD"

    /// What was published; `stopped` ends the feed, set under the same lock as each publish so
    /// that nothing is published after `stop` returns.
    private let state = Mutex<(sent: [Sent], stopped: Bool)>(([], false))

    /// Publishes from a thread of its own, not one of Swift's cooperative threads: when the tests
    /// beside it keep those busy, a feed paced there skips whole seconds, which the collector would
    /// then faithfully record as missing.
    public init(hub: MarketHub, interval: Duration = .milliseconds(100)) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            var last: Int64 = 0
            var tick = 0
            while true {
                let published: Bool = state.withLock { state in
                    guard !state.stopped else { return false }
                    let eventTime = max(Int64(Date().timeIntervalSince1970 * 1000), last + 1)
                    last = eventTime
                    tick += 1
                    let recipients = hub.publish(stream: Self.stream, payload: "[" + Self.event(eventTime: eventTime, tick: tick) + "]")
                    state.sent.append(Sent(eventTime: eventTime, recipients: recipients))
                    return true
                }
                guard published else { return }
                Thread.sleep(forTimeInterval: seconds)
            }
        }
        thread.name = "sequenced-feed"
        thread.start()
    }

    /// Stops publishing; returns every event published.
    public func stop() -> [Sent] {
        state.withLock { state in
            state.stopped = true
            return state.sent
        }
    }

    public var count: Int { state.withLock { $0.sent.count } }

    /// An `assetIndexUpdate` of `symbol` whose values vary with `tick`.
    public static func event(symbol: String = symbol, eventTime: Int64, tick: Int) -> String {
        let suffix = String(format: "%04d", tick % 10_000)
        return #"{"e":"assetIndexUpdate","E":\#(eventTime),"s":"\#(symbol)","i":"0.2746\#(suffix)","b":"0.10000000","a":"0.10000000","B":"0.2471\#(suffix)","A":"0.3020\#(suffix)","q":"0.05000000","g":"0.05000000","Q":"0.2608\#(suffix)","G":"0.2883123456789012345678\#(suffix)"}"#
    }
}
