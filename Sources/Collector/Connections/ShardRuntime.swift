import Clocks
import Dispatch

/// Where a `StreamShard` runs: one serial queue that owns all of its state, timers on the
/// monotonic clock, and both clocks. `DispatchShardRuntime` in the daemon; the shard's unit tests
/// use one whose time they move by hand.
protocol ShardRuntime: Sendable {
    /// Now, on the wall and the monotonic clock.
    var now: Moment { get }
    /// Runs `work` on the queue, after everything queued before it.
    func async(_ work: @escaping @Sendable () -> Void)
    /// Runs `work` on the queue and waits for it. Never call it from the queue itself.
    func sync<Result>(_ work: () -> Result) -> Result
    /// Runs `work` on the queue once `nanoseconds` have passed on the monotonic clock.
    func after(nanoseconds: Int64, _ work: @escaping @Sendable () -> Void)
    /// Traps unless called on the queue: what every queue-confined method of the shard checks first.
    func assertOnQueue()
}

/// The daemon's `ShardRuntime`: a serial Dispatch queue, whose deadlines are on the monotonic clock.
struct DispatchShardRuntime: ShardRuntime {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: "stream-collector.\(label)")
    }

    var now: Moment { .now() }

    func async(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    func sync<Result>(_ work: () -> Result) -> Result {
        queue.sync(execute: work)
    }

    func after(nanoseconds: Int64, _ work: @escaping @Sendable () -> Void) {
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(max(0, nanoseconds))), execute: work)
    }

    func assertOnQueue() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
