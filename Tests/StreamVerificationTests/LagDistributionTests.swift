import StreamVerification
import Testing

/// `verify`'s lag percentiles: nearest rank over buckets as wide as `eventTime`'s resolution where
/// lags are usual, exact extremes, and lags below zero (a clock behind the exchange's) kept apart.
@Suite struct LagDistributionTests {
    @Test func percentilesAreNearestRanksAtMillisecondResolution() {
        var lag = LagDistribution()
        // 1 ms … 100 ms, one event each, given out of order.
        for millis in (1...100).reversed() { lag.add(lagMicros: Int64(millis) * 1000 + 400) }
        #expect(lag.events == 100)
        #expect(lag.percentileMillis(0.5) == 50)
        #expect(lag.percentileMillis(0.9) == 90)
        #expect(lag.percentileMillis(0.99) == 99)
        #expect(lag.percentileMillis(1) == 100)
        #expect(lag.minimumMicros == 1_400 && lag.maximumMicros == 100_400)
    }

    @Test func longLagsAreBucketedCoarserAndNegativeOnesKeptBelowZero() {
        var lag = LagDistribution()
        lag.add(lagMicros: -2_500)         // the host clock 2.5 ms behind
        lag.add(lagMicros: 1_234_567)      // 1.234 s: a 10 ms bucket
        lag.add(lagMicros: 45_678_000)     // 45.678 s: a 1 s bucket
        #expect(lag.percentileMillis(0.01) == -3)
        #expect(lag.percentileMillis(0.5) == 1_230)
        #expect(lag.percentileMillis(1) == 45_000)
        #expect(lag.minimumMicros == -2_500 && lag.maximumMicros == 45_678_000)

        var other = LagDistribution()
        other.add(lagMicros: 7_000)
        lag.merge(other)
        lag.merge(LagDistribution())
        #expect(lag.events == 4)
        #expect(lag.percentileMillis(0.5) == 7)
        #expect(LagDistribution().percentileMillis(0.5) == nil)
    }
}
