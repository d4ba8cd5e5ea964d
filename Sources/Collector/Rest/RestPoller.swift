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
    // @unchecked: `slots`, `wakeAt` and `stopped` are only touched on `queue` (checked); the rest is immutable.
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
        var retry: RestRetry
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
        self.logger = logger.with("source", source.name)
        decoder = RestResponseDecoder(maximumBodyBytes: settings.maximumBodyBytes)
        queue = DispatchQueue(label: "stream-collector.rest.\(source.name)")
        let base = source.target
        let now = DispatchTime.now()
        slots = source.queries.map { query in
            Slot(target: base.replacingPath(base.path + (query.isEmpty ? "" : "?" + query)), due: now,
                 retry: RestRetry(initialDelayMilliseconds: settings.retryInitialDelayMilliseconds,
                                  maximumDelayMilliseconds: settings.retryMaxDelayMilliseconds))
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
        dispatchPrecondition(condition: .onQueue(queue))
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
        dispatchPrecondition(condition: .onQueue(queue))
        slots[index].inFlight = false
        guard !stopped else { return }
        let target = slots[index].target
        let reply = RestReply(outcome, document: source.document, decoder: decoder, url: target.description)
        stats.restRequest(source: source.name, outcome: reply.metricOutcome)
        switch reply {
        case .records(let result):
            pipeline.submit(result)
            if let rejection = result.rejections.first {
                logger.warning("\(result.rejections.count) element(s) unreadable (\(rejection.detail)); kept in the rejected-frames file", metadata: ["url": "\(target)"])
            }
            slots[index].retry.succeeded("\(target)", logger: logger)
            slots[index].due = max(.now(), slots[index].startedAt + .seconds(source.intervalSeconds))
            logger.debug("\(result.records.count) record(s)", metadata: ["url": "\(target)"])
        case .unusable(let result, let detail):
            pipeline.submit(result)
            retry(index, detail)
        case .apiError(let apiError, let detail):
            stats.restAPIError(source: source.name, code: apiError.code)
            if RestDocument.unknownSymbolCodes.contains(apiError.code) {
                slots[index].disabled = true
                logger.error("\(detail): the symbol does not exist there; not asked again until the configuration changes (fix rest.sources '\(source.name)' and reload)", metadata: ["url": "\(target)"])
            } else {
                retry(index, detail)
            }
        case .rateLimited(_, let wait):
            logger.warning("\(reply.failureDetail ?? "")", metadata: ["url": "\(target)"])
            slots[index].due = .now() + .seconds(wait)
        case .httpError(let detail):
            retry(index, detail)
        case .failed(let error):
            retry(index, error.description)
        }
        pump()
    }

    private func retry(_ index: Int, _ detail: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        let delay = slots[index].retry.failed("\(slots[index].target)", detail, logger: logger) ?? 0
        slots[index].due = .now() + .milliseconds(delay)
    }
}
