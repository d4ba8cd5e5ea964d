/// Turns REST response bodies of the known `RestDocument`s into records, values verbatim.
///
/// A body that is not JSON, or whose shape is not the document's, becomes a rejection that keeps
/// it whole with its URL and status; an element without its key field is rejected alone and the
/// others are recorded. An envelope whose `code` is not `"00000"` yields its `apiError` and no
/// records. Pure and thread-safe.
public struct RestResponseDecoder: Sendable {
    /// Bydoxe's success code.
    public static let successCode = "00000"

    private let frames: FrameDecoder

    public var maximumBodyBytes: Int { frames.maximumFrameBytes }

    public init(maximumBodyBytes: Int) {
        frames = FrameDecoder(maximumFrameBytes: maximumBodyBytes)
    }

    /// Decodes the body of a successful (200) answer from `url`.
    public func decode(_ document: RestDocument, body: [UInt8], url: String, status: Int = 200, receivedAtMicros: Int64) -> RestOutcome {
        let frame = InboundFrame(payload: body, isBinary: false, receivedAtMicros: receivedAtMicros, source: url)
        var outcome = FrameOutcome()
        guard let tape = frames.parse(frame, into: &outcome, status: status) else { return RestOutcome(outcome) }
        var payload = tape.root
        var requestTime: JSONValue?
        if document.isEnveloped {
            guard let envelope = RestAPIError(payload) else {
                frames.reject(frame, .unknownShape, "not a {\"code\",\"msg\",\"data\"} envelope", status: status, into: &outcome)
                return RestOutcome(outcome)
            }
            let codeText = envelope.code
            guard codeText == Self.successCode else { return RestOutcome(outcome, apiError: envelope) }
            guard let data = payload["data"] else {
                frames.reject(frame, .unknownShape, "envelope with code \(codeText) but no 'data'", status: status, into: &outcome)
                return RestOutcome(outcome)
            }
            requestTime = payload["requestTime"]
            payload = data
        }
        let elements: [JSONValue]
        switch payload.kind {
        case .array: elements = payload.elements
        case .object: elements = [payload]
        default:
            frames.reject(frame, .unknownShape, "\(document.isEnveloped ? "data" : "response") is a \(payload.kind), not an object or array of \(document.recordType)", status: status, into: &outcome)
            return RestOutcome(outcome)
        }
        let recvTime = UTCTime(microsecondsSinceEpoch: receivedAtMicros).iso8601
        for (position, element) in elements.enumerated() {
            guard element.kind == .object, let key = element[document.keyField], key.kind == .string else {
                frames.reject(frame, .schema, "element \(position): not an object with a string '\(document.keyField)'", part: element, status: status, into: &outcome)
                continue
            }
            var line = JSONLineBuilder()
            line.string("type", document.recordType)
            line.string("stream", document.stream)
            line.string("recvTime", recvTime)
            if let time = element[document.timeField] { line.raw("eventTime", time.rawBytes) }
            line.raw(document.keyField, key.rawBytes)
            for member in element.members where !member.key.isString(document.keyField) && !member.key.isString(document.timeField) {
                line.raw(member.key.string ?? "", member.value.rawBytes)
            }
            if let requestTime { line.raw("requestTime", requestTime.rawBytes) }
            outcome.records.append(Record(family: document.family, receivedAtMicros: receivedAtMicros, line: line.finishedLine()))
        }
        return RestOutcome(outcome)
    }

    /// The `{"code":…,"msg":…}` a server sends with an error status (Binance) or in an envelope
    /// (Bydoxe), if the body is one.
    public static func apiError(in body: [UInt8]) -> RestAPIError? {
        guard let tape = try? JSONTape(parsing: body) else { return nil }
        return RestAPIError(tape.root)
    }
}

/// What one REST body turned into.
public struct RestOutcome: Sendable {
    public var records: [Record]
    /// The body (or parts of it) that could not be decoded, as `collector.rejected` lines.
    public var rejections: [Rejection]
    /// The server's own error in an envelope; there are no records then.
    public var apiError: RestAPIError?

    init(_ frame: FrameOutcome, apiError: RestAPIError? = nil) {
        records = frame.records
        rejections = frame.rejections
        self.apiError = apiError
    }
}

/// A REST server's error code and message (`40034` "symbol does not exist", `-1121` "Invalid symbol.").
public struct RestAPIError: Sendable, Equatable, CustomStringConvertible {
    /// The code as sent, without quotes.
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The `code` (string or number) and `msg` of an object, if it has a code.
    init?(_ object: JSONValue) {
        guard object.kind == .object, let code = object["code"], code.kind == .string || code.kind == .number else { return nil }
        self.init(code: code.string ?? String(decoding: code.rawBytes, as: UTF8.self), message: object["msg"]?.string ?? "")
    }

    public var description: String { message.isEmpty ? "code \(code)" : "code \(code) (\(message))" }
}
