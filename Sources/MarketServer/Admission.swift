/// What a `WebSocketServer` does with a new TCP connection, before any HTTP is read: the knob
/// a fault-injecting server turns to refuse, stall or reject clients.
public enum Admission: Sendable {
    /// Serve the upgrade normally.
    case accept
    /// Close the TCP connection at once.
    case refuse
    /// Keep the TCP connection open and never answer the upgrade request.
    case stall
    /// Answer the upgrade with this HTTP status (e.g. 429 or 503), optional `Retry-After`
    /// seconds, and close.
    case reject(status: Int, retryAfterSeconds: Int?)
}
