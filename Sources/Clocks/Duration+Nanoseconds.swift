extension Duration {
    /// The duration in whole nanoseconds (what is below a nanosecond is dropped): the unit the
    /// monotonic clock and the collector's timers count in.
    public var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
