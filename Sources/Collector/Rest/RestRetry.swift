import Clocks
import Logging

/// How one REST request is retried, for every REST loop: a capped, jittered exponential backoff,
/// an optional limit on attempts, and the failures logged as one episode (the first, a summary at
/// most every 5 minutes, the recovery).
struct RestRetry {
    private var backoff: Backoff
    private var episode = FailureEpisode()
    /// Give up after this many consecutive failures (nil: never).
    let maximumAttempts: Int?

    init(initialDelayMilliseconds: Int, maximumDelayMilliseconds: Int, maximumAttempts: Int? = nil) {
        backoff = Backoff(initialMilliseconds: initialDelayMilliseconds, maximumMilliseconds: maximumDelayMilliseconds)
        self.maximumAttempts = maximumAttempts
    }

    /// A failed attempt at the request `url`: the delay before the next one in ms, or nil to give
    /// up (the caller says so in its own words). Logs the failure as its episode's rules say, with
    /// the URL as `url` metadata.
    mutating func failed(_ url: String, _ detail: String, logger: Logger) -> Int? {
        let delay = backoff.nextDelayMilliseconds()
        if let maximumAttempts, backoff.failures >= maximumAttempts {
            backoff.reset()
            _ = episode.succeeded(nowNanos: MonotonicClock.nowNanoseconds())
            return nil
        }
        let next = "retrying in \(Self.seconds(delay)) s"
        let metadata: Logger.Metadata = ["url": "\(url)"]
        switch episode.failed(nowNanos: MonotonicClock.nowNanoseconds()) {
        case .started:
            logger.warning("request failed: \(detail); \(next); further failures are summarised every \(FailureEpisode.describe(seconds: episode.summaryIntervalNanos / 1_000_000_000))", metadata: metadata)
        case .continuing(let failures, let seconds):
            logger.warning("still failing: \(failures) attempts in \(FailureEpisode.describe(seconds: seconds)); last: \(detail); \(next)", metadata: metadata)
        case .ended, nil:
            logger.debug("request failed: \(detail); \(next)", metadata: metadata)
        }
        return delay
    }

    /// A good answer: the backoff starts over; a running episode ends with a line.
    mutating func succeeded(_ url: String, logger: Logger) {
        backoff.reset()
        if case .ended(let failures, let seconds) = episode.succeeded(nowNanos: MonotonicClock.nowNanoseconds()) {
            logger.notice("answers again after \(FailureEpisode.describe(seconds: seconds)) and \(failures) failed attempt(s)", metadata: ["url": "\(url)"])
        }
    }

    private static func seconds(_ milliseconds: Int) -> String {
        "\(milliseconds / 1000).\(milliseconds % 1000 / 100)"
    }
}
