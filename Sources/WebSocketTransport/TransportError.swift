/// Failures of the transport layer that a caller must act on.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    /// A URL the transport cannot dial (WebSocket or HTTP, as the caller accepts); the text says what to fix.
    case invalidURL(String, String)
    /// libwebsockets refused to create its context (TLS set-up, CA file, memory).
    case contextCreationFailed(String)
    /// A second `NetworkLoop` was started in the same process; lws TLS contexts break each other.
    case loopAlreadyRunning
    /// A host name did not resolve (the text is the resolver's reason).
    case nameLookupFailed(String, String)
    /// An HTTP request could not be completed (connection, TLS, or the response was cut).
    case requestFailed(String)
    /// An HTTP request had no complete response within its timeout (a stalled server).
    case requestTimedOut(seconds: Int)

    public var description: String {
        switch self {
        case .invalidURL(let url, let problem):
            "invalid URL '\(url)': \(problem)"
        case .contextCreationFailed(let detail):
            "libwebsockets could not start: \(detail)"
        case .loopAlreadyRunning:
            "a network loop is already running in this process; only one libwebsockets context is allowed"
        case .nameLookupFailed(let host, let reason):
            "the name '\(host)' did not resolve: \(reason); check the URL and the machine's DNS"
        case .requestFailed(let detail):
            "request failed: \(detail)"
        case .requestTimedOut(let seconds):
            "no complete response within \(seconds) s"
        }
    }
}
