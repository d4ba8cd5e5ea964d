import Dispatch
import Logging
import MarketDecoding
import WebSocketTransport

/// Brackets gaps with the REST view: after each gap, fetches `GET /fapi/v1/assetIndex` (weight 10)
/// once and writes it as `assetIndexSnapshot` records (family `rest-asset-index`).
///
/// Requests made while one is waiting or in flight are merged into it, and fetches are at least
/// `minimumSpacingSeconds` apart. 429 and 418 wait the host's pause (`RestClient`); other
/// failures are retried with a growing delay, then given up after `maximumAttempts`, with a log
/// line each time.
final class AssetIndexSnapshots: @unchecked Sendable {
    private static let document = RestDocument.futuresAssetIndex

    private let target: NetworkTarget
    private let client: RestClient
    private let pipeline: FramePipeline
    private let stats: CollectorStats
    private let logger: Logger
    private let decoder: RestResponseDecoder
    private let minimumSpacingSeconds: Int
    private let maximumAttempts: Int
    private let queue = DispatchQueue(label: "stream-collector.snapshots")
    private var wanted = false
    private var inFlight = false
    private var wakeScheduled = false
    private var notBefore = DispatchTime.now()
    private var failures = 0
    private var stopped = false

    init(base: NetworkTarget, client: RestClient, pipeline: FramePipeline, stats: CollectorStats, logger: Logger,
         maximumBodyBytes: Int, minimumSpacingSeconds: Int = 10, maximumAttempts: Int = 5) {
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        target = base.replacingPath(prefix + Self.document.path)
        self.client = client
        self.pipeline = pipeline
        self.stats = stats
        var logger = logger
        logger[metadataKey: "source"] = "\(Self.document.stream)"
        self.logger = logger
        decoder = RestResponseDecoder(maximumBodyBytes: maximumBodyBytes)
        self.minimumSpacingSeconds = minimumSpacingSeconds
        self.maximumAttempts = maximumAttempts
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
        logger.debug("fetching \(target)")
        client.send(target, weight: Self.document.weight(selective: false)) { [self] outcome in
            queue.async { self.completed(outcome) }
        }
    }

    private func completed(_ outcome: RestClient.Outcome) {
        inFlight = false
        guard !stopped else { return }
        switch outcome {
        case .answered(let response, let receivedAt) where response.status == 200:
            failures = 0
            let result = decoder.decode(Self.document, body: response.body, url: target.description, receivedAtMicros: receivedAt)
            pipeline.submit(result)
            stats.snapshot("written")
            if let rejection = result.rejections.first {
                logger.warning("the REST snapshot had \(result.rejections.count) unreadable part(s) (\(rejection.reason.rawValue): \(rejection.detail)); kept whole in the rejected-frames file")
            }
            logger.info("wrote a REST snapshot of \(result.records.count) asset indexes after a gap")
        case .rateLimited(let status, let wait):
            stats.snapshot(status == 418 ? "banned" : "rate-limited")
            logger.warning("\(target) answered \(status) (\(status == 418 ? "this IP is banned for a while" : "too many requests")); waiting \(wait) s (Retry-After) before asking again")
            wanted = true
        case .answered(let response, _):
            failed("HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        case .failed(let error):
            failed(error.description)
        }
        pump()
    }

    private func failed(_ detail: String) {
        failures += 1
        stats.snapshot("failed")
        guard failures < maximumAttempts else {
            logger.error("gave up the REST snapshot after \(failures) attempts: \(detail); the gap record stands without it")
            failures = 0
            return
        }
        let delay = min(300, minimumSpacingSeconds << min(failures, 5))
        logger.warning("REST snapshot failed: \(detail); retrying in \(delay) s")
        notBefore = .now() + .seconds(delay)
        wanted = true
    }

    /// Runs `answer` on the snapshot queue behind the work already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        queue.async(execute: answer)
    }
}
