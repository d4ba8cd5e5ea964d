/// How far receive time trails event time (`recvTime` − `eventTime`) across a stream's events,
/// kept as counts per bucket: memory grows with the spread of the lags, not with the events.
///
/// Buckets are 1 ms wide below one second (the resolution of `eventTime`), 10 ms below ten
/// seconds and 1 s beyond; a percentile is the lower edge of the bucket it falls in, the minimum
/// and maximum are exact. A negative lag (an event received "before" it happened) means the host
/// clock was behind the exchange's.
public struct LagDistribution: Sendable {
    public private(set) var events = 0
    /// Smallest and largest lag seen, in µs.
    public private(set) var minimumMicros = Int64.max
    public private(set) var maximumMicros = Int64.min
    private var counts: [Int64: Int] = [:]

    public init() {}

    public mutating func add(lagMicros: Int64) {
        events += 1
        minimumMicros = min(minimumMicros, lagMicros)
        maximumMicros = max(maximumMicros, lagMicros)
        counts[Self.bucket(lagMicros), default: 0] += 1
    }

    public mutating func merge(_ other: LagDistribution) {
        guard other.events > 0 else { return }
        events += other.events
        minimumMicros = min(minimumMicros, other.minimumMicros)
        maximumMicros = max(maximumMicros, other.maximumMicros)
        counts.merge(other.counts, uniquingKeysWith: +)
    }

    /// The lag (ms, the lower edge of its bucket) that `fraction` (0...1) of the events do not
    /// exceed; nil without events.
    public func percentileMillis(_ fraction: Double) -> Int64? {
        guard events > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(events)).rounded(.up)))
        var seen = 0
        for bucket in counts.keys.sorted() {
            seen += counts[bucket]!
            if seen >= rank { return bucket }
        }
        return counts.keys.max()
    }

    /// The bucket's lower edge in ms.
    private static func bucket(_ micros: Int64) -> Int64 {
        let millis = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
        let width: Int64 = abs(millis) < 1000 ? 1 : abs(millis) < 10_000 ? 10 : 1000
        return millis >= 0 ? millis / width * width : -((-millis + width - 1) / width * width)
    }
}
