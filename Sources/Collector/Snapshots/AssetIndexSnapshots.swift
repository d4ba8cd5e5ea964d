import Dispatch
import Logging
import MarketDecoding
import WebSocketTransport

/// Brackets gaps with the REST view: after each gap, fetches `GET /fapi/v1/assetIndex` (weight 10)
/// once and writes it as `assetIndexSnapshot` records.
///
/// Requests made while one is waiting or in flight are merged into it, and fetches are at least
/// `minimumSpacingSeconds` apart. HTTP 429 waits `Retry-After` (60 s without one) and 418 (the IP
/// is banned) waits `Retry-After` (5 minutes without one) before trying again; other failures are
/// retried with a growing delay, then given up after `maximumAttempts`, with a log line each time.
final class AssetIndexSnapshots: @unchecked Sendable {
    static let path = "/fapi/v1/assetIndex"

    private let target: NetworkTarget
    private let loop: NetworkLoop
    private let pipeline: FramePipeline
    private let stats: CollectorStats
    private let logger: Logger
    private let decoder: SnapshotDecoder
    private let minimumSpacingSeconds: Int
    private let maximumAttempts: Int
    private let queue = DispatchQueue(label: "stream-collector.snapshots")
    private var wanted = false
    private var inFlight = false
    private var wakeScheduled = false
    private var notBefore = DispatchTime.now()
    private var failures = 0
    private var stopped = false

    init(base: NetworkTarget, loop: NetworkLoop, pipeline: FramePipeline, stats: CollectorStats, logger: Logger,
         maximumBodyBytes: Int, minimumSpacingSeconds: Int = 10, maximumAttempts: Int = 5) {
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        target = base.replacingPath(prefix + Self.path)
        self.loop = loop
        self.pipeline = pipeline
        self.stats = stats
        var logger = logger
        logger[metadataKey: "source"] = "\(SnapshotDecoder.assetIndexStream)"
        self.logger = logger
        decoder = SnapshotDecoder(maximumBodyBytes: maximumBodyBytes)
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
        loop.fetch(target, maximumBytes: decoder.maximumBodyBytes) { [self] result in
            let receivedAt = WallClock.nowMicroseconds()
            queue.async { self.completed(result, receivedAtMicros: receivedAt) }
        }
    }

    private func completed(_ result: Result<HTTPResponse, TransportError>, receivedAtMicros: Int64) {
        inFlight = false
        guard !stopped else { return }
        switch result {
        case .success(let response) where response.status == 200:
            failures = 0
            let outcome = decoder.decodeAssetIndex(response.body, receivedAtMicros: receivedAtMicros)
            pipeline.submit(outcome.records + outcome.rejections.map(\.record))
            stats.snapshot("written")
            if let rejection = outcome.rejections.first {
                logger.warning("the REST snapshot had \(outcome.rejections.count) unreadable part(s) (\(rejection.reason.rawValue): \(rejection.detail)); kept whole in the rejected-frames file")
            }
            logger.info("wrote a REST snapshot of \(outcome.records.count) asset indexes after a gap")
        case .success(let response) where response.status == 429 || response.status == 418:
            let banned = response.status == 418
            let wait = response.retryAfterSeconds ?? (banned ? 300 : 60)
            stats.snapshot(banned ? "banned" : "rate-limited")
            logger.warning("\(target) answered \(response.status) (\(banned ? "this IP is banned for a while" : "too many requests")); waiting \(wait) s (Retry-After) before asking again")
            notBefore = max(notBefore, .now() + .seconds(wait))
            wanted = true
        case .success(let response):
            failed("HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        case .failure(let error):
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
}
