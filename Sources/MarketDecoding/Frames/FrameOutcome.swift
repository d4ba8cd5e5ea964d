/// Everything one frame turned into: data records, rejected pieces, or a reply to a request.
public struct FrameOutcome: Sendable {
    public var records: [Record] = []
    public var rejections: [Rejection] = []
    public var reply: ControlReply?

    public init() {}
}

/// Why a frame, or an element of it, could not become a data record.
public enum RejectionReason: String, Sendable, CaseIterable {
    case oversized
    case binary
    case invalidUTF8 = "invalid-utf8"
    case invalidJSON = "invalid-json"
    case unknownShape = "unknown-shape"
    case schema
}

/// A frame (or array element) that was not decoded, with the line that keeps it whole.
public struct Rejection: Sendable {
    public let reason: RejectionReason
    public let detail: String
    /// The `collector.rejected` line for the rejected-frames file.
    public let record: Record
}

/// A server reply to a request the client sent (`SUBSCRIBE`, `LIST_SUBSCRIPTIONS`, ...).
public enum ControlReply: Sendable, Equatable {
    /// `{"result":...,"id":N}`; `result` is the raw JSON text (`null` for a subscription ack).
    case result(id: Int64?, result: String)
    /// `{"error":{"code":C,"msg":"..."},"id":N}`; `id` is nil when the server could not read one.
    case error(id: Int64?, code: Int64?, message: String)

    public var id: Int64? {
        switch self {
        case .result(let id, _), .error(let id, _, _): id
        }
    }
}
