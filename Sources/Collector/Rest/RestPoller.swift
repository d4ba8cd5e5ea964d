import Clocks
import Dispatch
import Logging
import MarketDecoding
import WebSocketTransport

/// Polls one REST source (`rest.sources[n]`) and records what it answers.
///
/// Each request of the source — one per combination of parameter values — is sent every
/// `intervalSeconds`, counted from the start of its previous attempt. Failures (transport errors,
/// timeouts, TLS, 5xx and other error statuses, bodies that are not the document, an error
/// `code` in the envelope) are logged, counted and retried after a capped, jittered backoff;
/// 429/418 wait the host's pause; a code saying the symbol does not exist (40034, -1121) stops that
/// request until the configuration changes. A body that cannot be decoded goes to the
/// rejected-frames file with its URL and status. Nothing here can stop the daemon or its streams.
final class RestPoller: @unchecked Sendable {
    /// Limits shared by every poller.
    struct Settings: Sendable {
        let retryInitialDelayMilliseconds: Int
        let retryMaxDelayMilliseconds: Int
        let maximumBodyBytes: Int
    }

    /// One request of the source and where it stands. Only touched on `queue`.
    private struct Slot {
        let target: NetworkTarget
        var due: DispatchTime
        var backoff: Backoff
        var episode = FailureEpisode()
        var startedAt = DispatchTime.now()
        var inFlight = false
        var disabled = false
    }

    let source: RestSourceConfiguration
    private let headers: [(name: String, value: String)]
    private let client: RestClient
    private let pipeline: FramePipeline
    private let stats: CollectorStats
    private let logger: Logger
    private let decoder: RestResponseDecoder
    private let queue: DispatchQueue
    private var slots: [Slot]
    private var wakeAt: DispatchTime?
    private var stopped = false

    /// `apiKey` is sent as `X-MBX-APIKEY` when given.
    init(source: RestSourceConfiguration, apiKey: APIKey?, client: RestClient, pipeline: FramePipeline,
         stats: CollectorStats, logger: Logger, settings: Settings) {
        self.source = source
        headers = apiKey.map { [(name: "X-MBX-APIKEY", value: $0.value)] } ?? []
        self.client = client
        self.pipeline = pipeline
        self.stats = stats
        var logger = logger
        logger[metadataKey: "source"] = "\(source.name)"
        self.logger = logger
        decoder = RestResponseDecoder(maximumBodyBytes: settings.maximumBodyBytes)
        queue = DispatchQueue(label: "stream-collector.rest.\(source.name)")
        let base = source.target
        let now = DispatchTime.now()
        slots = source.queries.map { query in
            Slot(target: base.replacingPath(base.path + (query.isEmpty ? "" : "?" + query)), due: now,
                 backoff: Backoff(initialMilliseconds: settings.retryInitialDelayMilliseconds, maximumMilliseconds: settings.retryMaxDelayMilliseconds))
        }
    }

    func start() {
        logger.info("polling \(source.endpoint) every \(source.intervalSeconds) s (\(slots.count) request(s), weight \(source.weightPerInterval) per round)")
        queue.async { self.pump() }
    }

    /// Runs `answer` on the poller's queue behind the work already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        queue.async(execute: answer)
    }

    /// No more requests; answers still in flight are dropped.
    func stop() {
        queue.sync { stopped = true }
    }

    private func pump() {
        guard !stopped else { return }
        let now = DispatchTime.now()
        for index in slots.indices where !slots[index].inFlight && !slots[index].disabled && slots[index].due <= now {
            slots[index].inFlight = true
            slots[index].startedAt = now
            client.send(slots[index].target, headers: headers, weight: source.weightPerRequest) { [self] outcome in
                queue.async { self.completed(index, outcome) }
            }
        }
        guard let next = slots.filter({ !$0.inFlight && !$0.disabled }).map(\.due).min() else { return }
        if let wakeAt, wakeAt <= next { return }
        wakeAt = next
        queue.asyncAfter(deadline: next) { [self] in
            if wakeAt == next { wakeAt = nil }
            pump()
        }
    }

    private func completed(_ index: Int, _ outcome: RestClient.Outcome) {
        slots[index].inFlight = false
        guard !stopped else { return }
        let url = slots[index].target.description
        switch outcome {
        case .answered(let response, let receivedAt) where response.status == 200:
            let result = decoder.decode(source.document, body: response.body, url: url, status: response.status, receivedAtMicros: receivedAt)
            if let apiError = result.apiError {
                failed(index, apiError: apiError, "answered \(apiError)")
            } else {
                record(index, result)
            }
        case .answered(let response, _):
            let apiError = RestResponseDecoder.apiError(in: response.body)
            let detail = "answered HTTP \(response.status)" + (apiError.map { " \($0)" } ?? ": " + String(decoding: response.body.prefix(200), as: UTF8.self))
            if let apiError {
                failed(index, apiError: apiError, detail)
            } else {
                stats.restRequest(source: source.name, outcome: "http-error")
                retry(index, detail)
            }
        case .rateLimited(let status, let wait):
            stats.restRequest(source: source.name, outcome: status == 418 ? "banned" : "rate-limited")
            logger.warning("\(url) answered \(status) (\(status == 418 ? "this IP is banned for a while" : "too many requests")); every request to \(slots[index].target.host) waits \(wait) s (Retry-After)")
            slots[index].due = .now() + .seconds(wait)
        case .failed(let error):
            if case .requestTimedOut = error {
                stats.restRequest(source: source.name, outcome: "timeout")
            } else {
                stats.restRequest(source: source.name, outcome: "failed")
            }
            retry(index, error.description)
        }
        pump()
    }

    /// Writes what a 200 answer held; a body with nothing usable is retried like a failure.
    private func record(_ index: Int, _ result: RestOutcome) {
        pipeline.submit(result)
        guard !result.records.isEmpty else {
            stats.restRequest(source: source.name, outcome: "malformed")
            let first = result.rejections.first.map { "\($0.reason.rawValue): \($0.detail)" } ?? "no elements"
            return retry(index, "answered 200 with a body that is not \(source.document.recordType) data (\(first)); kept in the rejected-frames file")
        }
        stats.restRequest(source: source.name, outcome: "ok")
        if let rejection = result.rejections.first {
            logger.warning("\(slots[index].target): \(result.rejections.count) element(s) unreadable (\(rejection.detail)); kept in the rejected-frames file")
        }
        if case .ended(let failures, let seconds) = slots[index].episode.succeeded(nowNanos: MonotonicClock.nowNanoseconds()) {
            logger.notice("\(slots[index].target) answers again after \(FailureEpisode.describe(seconds: seconds)) and \(failures) failed attempt(s)")
        }
        slots[index].backoff.reset()
        slots[index].due = max(.now(), slots[index].startedAt + .seconds(source.intervalSeconds))
        logger.debug("\(slots[index].target): \(result.records.count) record(s)")
    }

    /// The server's own error: a symbol that does not exist stops the request, others are retried.
    private func failed(_ index: Int, apiError: RestAPIError, _ detail: String) {
        stats.restRequest(source: source.name, outcome: "api-error")
        stats.restAPIError(source: source.name, code: apiError.code)
        guard RestDocument.unknownSymbolCodes.contains(apiError.code) else { return retry(index, detail) }
        slots[index].disabled = true
        logger.error("\(slots[index].target) \(detail): the symbol does not exist there; not asked again until the configuration changes (fix rest.sources '\(source.name)' and reload)")
    }

    private func retry(_ index: Int, _ detail: String) {
        let delay = slots[index].backoff.nextDelayMilliseconds()
        slots[index].due = .now() + .milliseconds(delay)
        let next = "retrying in \(String(format: "%.1f", Double(delay) / 1000)) s"
        switch slots[index].episode.failed(nowNanos: MonotonicClock.nowNanoseconds()) {
        case .started:
            logger.warning("\(slots[index].target) \(detail); \(next); further failures are summarised every \(FailureEpisode.describe(seconds: slots[index].episode.summaryIntervalNanos / 1_000_000_000))")
        case .continuing(let failures, let seconds):
            logger.warning("\(slots[index].target) still failing: \(failures) attempts in \(FailureEpisode.describe(seconds: seconds)); last: \(detail); \(next)")
        case .ended, nil:
            logger.debug("\(slots[index].target) \(detail); \(next)")
        }
    }
}
