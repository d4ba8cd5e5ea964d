/// One complete WebSocket message as received, before any interpretation.
public struct InboundFrame: Sendable {
    public let payload: [UInt8]
    public let isBinary: Bool
    /// Local receive time, µs since the Unix epoch (UTC).
    public let receivedAtMicros: Int64
    /// Which connection delivered it, or the URL of a REST body (for the rejected-frames file and logs).
    public let source: String

    public init(payload: [UInt8], isBinary: Bool, receivedAtMicros: Int64, source: String) {
        self.payload = payload
        self.isBinary = isBinary
        self.receivedAtMicros = receivedAtMicros
        self.source = source
    }
}
