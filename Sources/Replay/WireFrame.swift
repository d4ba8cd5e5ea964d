import MarketDecoding

/// One Binance message as it went over the wire: the stream it belongs to and its payload (an
/// event object, or the array of an `…@arr` stream), at the time it was received.
public struct WireFrame: Sendable {
    public let stream: String
    public let receivedAtMicros: Int64
    public let payload: [UInt8]

    /// `{"stream":"…","data":…}`, as Binance's combined-stream endpoint wraps payloads.
    public var combined: [UInt8] {
        var bytes = Array(#"{"stream":"#.utf8)
        JSONLineBuilder.appendEscaped(stream, to: &bytes)
        bytes.append(contentsOf: #","data":"#.utf8)
        bytes.append(contentsOf: payload)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
