/// Capped exponential backoff with jitter: the n-th consecutive failure waits about
/// `initial × 2ⁿ` (at most `maximum`), drawn from the upper half of that delay so that many
/// collectors restarting together spread out.
struct Backoff {
    let initialMilliseconds: Int
    let maximumMilliseconds: Int
    private(set) var failures = 0

    init(initialMilliseconds: Int, maximumMilliseconds: Int) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    /// The delay before the next attempt; counts one more failure.
    mutating func nextDelayMilliseconds() -> Int {
        let exponent = min(failures, 30)
        failures += 1
        let ceiling = min(maximumMilliseconds, initialMilliseconds << exponent)
        return ceiling / 2 + Int.random(in: 0...max(0, ceiling - ceiling / 2))
    }

    mutating func reset() { failures = 0 }
}
