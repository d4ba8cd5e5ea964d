import CollectorTestKit
import Foundation
import MarketDecoding
import MarketServer

/// Binance-shaped payloads for the tests, and the lines the collector must write for them.
enum Wire {
    static func assetIndex(_ symbol: String, eventTime: Int64, tick: Int) -> String {
        SequencedFeed.event(symbol: symbol, eventTime: eventTime, tick: tick)
    }

    static let contractInfoWithBrackets = #"{"e":"contractInfo","E":1669356423908,"s":"IOTAUSDT","ps":"IOTAUSDT","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"TRADING","bks":[{"bs":1,"bnf":0,"bnc":5000,"mmr":0.01,"cf":0,"mi":21,"ma":50},{"bs":2,"bnf":5000,"bnc":25000,"mmr":0.025,"cf":75,"mi":11,"ma":20}]}"#
    static let contractInfoMinimal = #"{"e":"contractInfo","E":1769356423908,"s":"BTCUSD_PERP","ct":"PERPETUAL","dt":4133404800000,"ot":1569398400000,"cs":"PRE_DELIVERING","st":2,"new":"kept"}"#

    /// The lines a correct collector writes for a combined frame, without their `recvTime`.
    static func expectedLines(stream: String, payload: String) -> [String] {
        let frame = #"{"stream":"\#(stream)","data":\#(payload)}"#
        let outcome = FrameDecoder(maximumFrameBytes: 1 << 24).decode(
            InboundFrame(payload: Array(frame.utf8), isBinary: false, receivedAtMicros: 0, source: "expected"))
        return outcome.records.map { withoutReceiveTime(String(decoding: $0.line.dropLast(), as: UTF8.self)) }
    }

    static func withoutReceiveTime(_ line: String) -> String {
        line.replacingOccurrences(of: #""recvTime":"[0-9T:.Z-]+","#, with: "", options: .regularExpression)
    }
}
