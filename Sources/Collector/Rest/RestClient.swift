import Clocks
import Dispatch
import MarketDecoding
import WebSocketTransport

/// Sends the collector's REST requests: each waits until its host's `RequestWeightBudget` (and
/// any 429/418 pause) allows it, goes out on the shared `NetworkLoop` — the same libwebsockets
/// context, TLS stack and CA file as the streams — and comes back as an `Outcome`.
///
/// A 429 or 418 pauses the whole host for `Retry-After` seconds (60 s, or 300 s for a ban,
/// without one). Completions run on the network thread: hop before doing real work.
final class RestClient: Sendable {
    /// How a request ended.
    enum Outcome: Sendable {
        /// A complete answer other than 429/418, whatever its status.
        case answered(HTTPResponse, receivedAtMicros: Int64)
        /// 429 (too many requests) or 418 (IP banned): the host is paused for `waitSeconds`.
        case rateLimited(status: Int, waitSeconds: Int)
        /// No complete answer: lookup, connect, TLS, a cut or stalled body, a timeout.
        case failed(TransportError)
    }

    static let usedWeightHeader = "x-mbx-used-weight-1m"

    private let loop: NetworkLoop
    /// Where requests wait for their budget (a queue of its own, not Dispatch's global pool, whose
    /// first use starts a monitor that wakes the process every second).
    private let waits = DispatchQueue(label: "stream-collector.rest-waits")
    let budget: RequestWeightBudget
    private let timeoutSeconds: Int
    private let maximumBodyBytes: Int

    init(loop: NetworkLoop, budget: RequestWeightBudget, timeoutSeconds: Int, maximumBodyBytes: Int) {
        self.loop = loop
        self.budget = budget
        self.timeoutSeconds = timeoutSeconds
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Sends `GET target` with `headers` once `weight` fits the host's budget.
    func send(_ target: NetworkTarget, headers: [(name: String, value: String)] = [], weight: Int,
              completion: @escaping @Sendable (Outcome) -> Void) {
        let wait = budget.spend(weight, on: target.host)
        guard wait == 0 else {
            waits.asyncAfter(deadline: .now() + .nanoseconds(Int(min(wait, UInt64(Int.max))))) { [self] in
                send(target, headers: headers, weight: weight, completion: completion)
            }
            return
        }
        let request = HTTPRequest(target: target, headers: headers, capturedHeaders: [Self.usedWeightHeader],
                                  timeoutSeconds: timeoutSeconds, maximumBodyBytes: maximumBodyBytes)
        loop.fetch(request) { [budget] result in
            let receivedAt = WallClock.nowMicroseconds()
            switch result {
            case .failure(let error):
                completion(.failed(error))
            case .success(let response):
                if let used = response.headers[Self.usedWeightHeader].flatMap({ Int($0.drop { $0 == " " }) }) {
                    budget.observe(used: used, on: target.host)
                }
                guard response.status == 429 || response.status == 418 else {
                    return completion(.answered(response, receivedAtMicros: receivedAt))
                }
                let wait = response.retryAfterSeconds ?? (response.status == 418 ? 300 : 60)
                budget.pause(target.host, seconds: wait)
                completion(.rateLimited(status: response.status, waitSeconds: wait))
            }
        }
    }
}
