import Dispatch
import Logging
import MarketDecoding
import WebSocketTransport

/// Brackets gaps with the REST view: after each gap, fetches `GET /fapi/v1/assetIndex` (weight 10)
/// once and writes it as `assetIndexSnapshot` records (family `rest-asset-index`).
///
/// Requests made while one is waiting or in flight are merged into it, and fetches are at least
/// `minimumSpacingSeconds` apart. 429 and 418 wait the host's pause (`RestClient`); other
/// failures are retried with a growing delay (`RestRetry`, logged as an episode), then given up
/// after `maximumAttempts`.
final class AssetIndexSnapshots: @unchecked Sendable {
    // @unchecked: the request state (`wanted`, `inFlight`, `retry` ...) is only touched on `queue` (checked).
    private static let document = RestDocument.futuresAssetIndex

    private let target: NetworkTarget
    private let client: RestClient
    private let pipeline: FramePipeline
    private let stats: CollectorStats
    private let logger: Logger
    private let decoder: RestResponseDecoder
    private let minimumSpacingSeconds: Int
    private let queue = DispatchQueue(label: "stream-collector.snapshots")
    private var wanted = false
    private var inFlight = false
    private var wakeScheduled = false
    private var notBefore = DispatchTime.now()
    private var retry: RestRetry
    private var stopped = false

    init(base: NetworkTarget, client: RestClient, pipeline: FramePipeline, stats: CollectorStats, logger: Logger,
         maximumBodyBytes: Int, minimumSpacingSeconds: Int = 10, maximumAttempts: Int = 5) {
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        target = base.replacingPath(prefix + Self.document.path)
        self.client = client
        self.pipeline = pipeline
        self.stats = stats
        self.logger = logger.with("source", Self.document.stream)
        decoder = RestResponseDecoder(maximumBodyBytes: maximumBodyBytes)
        self.minimumSpacingSeconds = minimumSpacingSeconds
        // 10–20 s, then doubling up to 5 minutes, between attempts.
        retry = RestRetry(initialDelayMilliseconds: 2 * minimumSpacingSeconds * 1000, maximumDelayMilliseconds: 300_000,
                          maximumAttempts: maximumAttempts)
    }

    /// Asks for one snapshot soon; returns at once.
    func request() {
        queue.async { [self] in
            wanted = true
            pump()
        }
    }

    /// No more fetches; a response still in flight is dropped.
    func stop() {
        queue.sync { stopped = true }
    }

    private func pump() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard wanted, !inFlight, !stopped else { return }
        let now = DispatchTime.now()
        guard now >= notBefore else {
            if !wakeScheduled {
                wakeScheduled = true
                queue.asyncAfter(deadline: notBefore) { [self] in
                    wakeScheduled = false
                    pump()
                }
            }
            return
        }
        wanted = false
        inFlight = true
        notBefore = now + .seconds(minimumSpacingSeconds)
        logger.debug("fetching a snapshot", metadata: ["url": "\(target)"])
        client.send(target, weight: Self.document.weight(selective: false)) { [self] outcome in
            queue.async { self.completed(outcome) }
        }
    }

    private func completed(_ outcome: RestClient.Outcome) {
        dispatchPrecondition(condition: .onQueue(queue))
        inFlight = false
        guard !stopped else { return }
        let reply = RestReply(outcome, document: Self.document, decoder: decoder, url: target.description)
        switch reply {
        case .records(let result):
            retry.succeeded("\(target)", logger: logger)
            pipeline.submit(result)
            stats.snapshot("written")
            if let rejection = result.rejections.first {
                logger.warning("the REST snapshot had \(result.rejections.count) unreadable part(s) (\(rejection.reason.rawValue): \(rejection.detail)); kept whole in the rejected-frames file")
            }
            logger.info("wrote a REST snapshot of \(result.records.count) asset indexes after a gap")
        case .rateLimited(let status, _):
            stats.snapshot(status == 418 ? "banned" : "rate-limited")
            logger.warning("\(reply.failureDetail ?? "")", metadata: ["url": "\(target)"])
            wanted = true
        case .unusable(let result, _):
            pipeline.submit(result)
            failed(reply)
        case .apiError, .httpError, .failed:
            failed(reply)
        }
        pump()
    }

    private func failed(_ reply: RestReply) {
        dispatchPrecondition(condition: .onQueue(queue))
        stats.snapshot("failed")
        let detail = reply.failureDetail ?? reply.metricOutcome
        guard let delay = retry.failed("\(target)", detail, logger: logger) else {
            logger.error("gave up the REST snapshot after \(retry.maximumAttempts ?? 0) attempts: \(detail); the gap record stands without it")
            return
        }
        notBefore = .now() + .milliseconds(delay)
        wanted = true
    }

    /// Runs `answer` on the snapshot queue behind the work already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        queue.async(execute: answer)
    }
}
