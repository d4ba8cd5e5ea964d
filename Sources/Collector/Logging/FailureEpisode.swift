/// A stretch of repeated failures of one thing — a shard's connection, a REST request — so that
/// it is logged when it starts (with its cause), at most once per `summaryInterval` while it lasts
/// (the count and the last cause) and when it ends (its duration): an outage of any length costs
/// a few journal lines, not one per retry. Times are on the monotonic clock.
struct FailureEpisode {
    /// What to log about a failure or a recovery; nil from `failed` means "only count it".
    enum Report: Equatable {
        case started
        case continuing(failures: Int, seconds: Int64)
        case ended(failures: Int, seconds: Int64)
    }

    /// Five minutes: "at most every few minutes".
    static let defaultSummaryIntervalNanos: Int64 = 300_000_000_000

    let summaryIntervalNanos: Int64
    /// Failures in the current episode (0: none running).
    private(set) var failures = 0
    private var startedAtNanos: Int64 = 0
    private var reportedAtNanos: Int64 = 0

    init(summaryIntervalNanos: Int64 = Self.defaultSummaryIntervalNanos) {
        self.summaryIntervalNanos = summaryIntervalNanos
    }

    var isOngoing: Bool { failures > 0 }

    /// Counts a failure; says whether it opens the episode or is due for a summary.
    mutating func failed(nowNanos: Int64) -> Report? {
        failures += 1
        if failures == 1 {
            startedAtNanos = nowNanos
            reportedAtNanos = nowNanos
            return .started
        }
        guard nowNanos - reportedAtNanos >= summaryIntervalNanos else { return nil }
        reportedAtNanos = nowNanos
        return .continuing(failures: failures, seconds: (nowNanos - startedAtNanos) / 1_000_000_000)
    }

    /// Ends the episode, if one was running.
    mutating func succeeded(nowNanos: Int64) -> Report? {
        guard failures > 0 else { return nil }
        defer { failures = 0 }
        return .ended(failures: failures, seconds: (nowNanos - startedAtNanos) / 1_000_000_000)
    }

    /// `45 s`, `12 min 3 s`, `5 min`, `2 h 5 min`.
    static func describe(seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" + (seconds % 60 == 0 ? "" : " \(seconds % 60) s") }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
