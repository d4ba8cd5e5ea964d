import Clocks

/// Notices steps of the wall clock. While both clocks run, the wall clock minus the monotonic
/// clock stays put (NTP's slewing moves it by at most half a millisecond a second); when it jumps
/// by more than `thresholdMicros` between two observations, NTP, chrony or an operator stepped the
/// wall clock. Durations in the collector are all monotonic, so a step only changes the dates it
/// writes; this is how it is noticed and reported.
struct ClockStepDetector {
    let thresholdMicros: Int64
    private var offsetMicros: Int64?

    init(thresholdMicros: Int64 = 1_000_000) {
        self.thresholdMicros = thresholdMicros
    }

    /// The size of the step since the previous observation, in µs (positive: forward), or nil.
    mutating func observe(_ moment: Moment) -> Int64? {
        let offset = moment.wallMicros - moment.monotonicNanos / 1000
        defer { offsetMicros = offset }
        guard let previous = offsetMicros else { return nil }
        let step = offset - previous
        return abs(step) > thresholdMicros ? step : nil
    }
}
