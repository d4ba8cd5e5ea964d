import MarketDecoding
import WebSocketTransport

/// What one REST request came to, classified once for every REST loop (the pollers, the gap
/// snapshots): the records of a good answer, or why there are none.
enum RestReply {
    /// A 200 with usable records (its `rejections`, if any, are the unreadable elements).
    case records(RestOutcome)
    /// A 200 whose body held nothing usable; `outcome.rejections` keep it whole.
    case unusable(RestOutcome, detail: String)
    /// The server's own error code, in a 200 envelope or with an error status.
    case apiError(RestAPIError, detail: String)
    /// Another error status, without a code.
    case httpError(detail: String)
    /// 429 or 418: the host is paused for `waitSeconds` (`RestClient` already paused it).
    case rateLimited(status: Int, waitSeconds: Int)
    /// No complete answer.
    case failed(TransportError)

    init(_ outcome: RestClient.Outcome, document: RestDocument, decoder: RestResponseDecoder, url: String) {
        switch outcome {
        case .answered(let response, let receivedAt) where response.status == 200:
            let result = decoder.decode(document, body: response.body, url: url, status: response.status, receivedAtMicros: receivedAt)
            if let apiError = result.apiError {
                self = .apiError(apiError, detail: "answered \(apiError)")
            } else if result.records.isEmpty {
                let first = result.rejections.first.map { "\($0.reason.rawValue): \($0.detail)" } ?? "no elements"
                self = .unusable(result, detail: "answered 200 with a body that is not \(document.recordType) data (\(first)); kept in the rejected-frames file")
            } else {
                self = .records(result)
            }
        case .answered(let response, _):
            if let apiError = RestResponseDecoder.apiError(in: response.body) {
                self = .apiError(apiError, detail: "answered HTTP \(response.status) \(apiError)")
            } else {
                self = .httpError(detail: "answered HTTP \(response.status): " + String(decoding: response.body.prefix(200), as: UTF8.self))
            }
        case .rateLimited(let status, let wait):
            self = .rateLimited(status: status, waitSeconds: wait)
        case .failed(let error):
            self = .failed(error)
        }
    }

    /// The `outcome` label of `stream_collector_rest_requests_total`.
    var metricOutcome: String {
        switch self {
        case .records: "ok"
        case .unusable: "malformed"
        case .apiError: "api-error"
        case .httpError: "http-error"
        case .rateLimited(let status, _): status == 418 ? "banned" : "rate-limited"
        case .failed(.requestTimedOut): "timeout"
        case .failed: "failed"
        }
    }

    /// What went wrong, for a log line (nil for records).
    var failureDetail: String? {
        switch self {
        case .records: nil
        case .unusable(_, let detail), .apiError(_, let detail), .httpError(let detail): detail
        case .rateLimited(let status, let wait):
            "answered \(status) (\(status == 418 ? "this IP is banned for a while" : "too many requests")); every request to the host waits \(wait) s (Retry-After)"
        case .failed(let error): error.description
        }
    }
}
