import Foundation
import MarketDecoding

/// Binance-shaped payloads for the tests, and the lines the collector must write for them.
enum Wire {
    static func assetIndex(_ symbol: String, eventTime: Int64, tick: Int) -> String {
        let suffix = String(format: "%04d", tick)
        return #"{"e":"assetIndexUpdate","E":\#(eventTime),"s":"\#(symbol)","i":"0.2746\#(suffix)","b":"0.10000000","a":"0.10000000","B":"0.2471\#(suffix)","A":"0.3020\#(suffix)","q":"0.05000000","g":"0.05000000","Q":"0.2608\#(suffix)","G":"0.2883123456789012345678\#(suffix)"}"#
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
