import Clocks
import MarketServer
import Synchronization

/// Serves a replay as a Binance-compatible market stream endpoint: `/market/ws[/<streams>]` and
/// `/market/stream?streams=…` with SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS (the `MarketHub`
/// protocol), the recorded frames paced by their receive times divided by `speed`.
///
/// The clock starts a second after the first subscription and stands still while no connection
/// is subscribed to anything, so a client that reconnects misses nothing. A reader slower than the
/// pace holds the replay back (at most one socket buffer is queued per connection); at the end
/// every connection is closed with 1000. Returning from `run` means the replay is over.
public final class ReplayServer: Sendable {
    /// Receive-time seconds per wall-clock second; nil replays as fast as the readers take it.
    public let speed: Double?
    private let hub = MarketHub()
    private let server: WebSocketServer
    private let log: @Sendable (String) -> Void
    private let host: String
    private let stopped = Mutex(false)

    /// Listens on `host:port` (port 0: any free port, see `port`).
    public init(host: String, port: Int, speed: Double?, log: @escaping @Sendable (String) -> Void) async throws {
        self.speed = speed
        self.log = log
        self.host = host
        server = try await WebSocketServer.start(host: host, port: port, handler: hub)
    }

    public var port: Int { server.port }

    /// Ends a running `run` early (it throws `CancellationError`); callable from any thread.
    public func stop() {
        stopped.withLock { $0 = true }
    }

    private func pause(for duration: Duration) async throws {
        if stopped.withLock({ $0 }) { throw CancellationError() }
        try await Task.sleep(for: duration)
    }

    /// Plays `replay` to whoever subscribes, then closes the connections and stops listening.
    /// Returns how many frames were published.
    public func run(_ replay: MergedReplay) async throws -> Int {
        do {
            let published = try await play(replay)
            await server.stop()
            return published
        } catch {
            await server.stop()
            throw error
        }
    }

    private func play(_ replay: MergedReplay) async throws -> Int {
        var framer = WireFramer()
        var published = 0
        var clock: (wallMicros: Int64, recordMicros: Int64)?
        var gapsSeen = 0
        while true {
            let record = replay.next()
            if let record, record.isGap {
                gapsSeen += 1
                log("the recording has a gap: \(String(decoding: record.line, as: UTF8.self))")
            }
            let frame = record.map { framer.add($0) } ?? framer.finish()
            guard let frame else {
                if record == nil { break }
                continue
            }
            if clock == nil {
                try await waitForSubscribers()
                try await pause(for: .seconds(1))
                clock = (MonotonicClock.nowNanoseconds() / 1000, frame.receivedAtMicros)
            }
            clock!.wallMicros += try await holdWhileUnsubscribed()
            if let speed {
                let due = clock!.wallMicros + Int64(Double(frame.receivedAtMicros - clock!.recordMicros) / speed)
                let wait = due - MonotonicClock.nowNanoseconds() / 1000
                if wait > 0 { try await pause(for: .microseconds(wait)) }
            }
            hub.publish(stream: frame.stream, payload: String(decoding: frame.payload, as: UTF8.self))
            published += 1
            while !hub.allWritable { try await pause(for: .milliseconds(1)) }
        }
        while !hub.allWritable { try await pause(for: .milliseconds(5)) }
        log("replay finished: \(published) frames published, \(framer.skipped) records without a wire form skipped, \(gapsSeen) gaps in the recording")
        hub.closeAll(code: 1000, reason: "end of replay")
        try await pause(for: .milliseconds(200))
        return published
    }

    private func waitForSubscribers() async throws {
        if !hub.hasSubscribers { log("waiting for a client to subscribe on ws://\(host):\(port)/market") }
        while !hub.hasSubscribers { try await pause(for: .milliseconds(20)) }
    }

    /// Waits while nobody is subscribed; returns how long (µs), to shift the clock by.
    private func holdWhileUnsubscribed() async throws -> Int64 {
        guard !hub.hasSubscribers else { return 0 }
        let start = MonotonicClock.nowNanoseconds() / 1000
        log("no client subscribed: replay paused")
        try await waitForSubscribers()
        log("replay resumed")
        return MonotonicClock.nowNanoseconds() / 1000 - start
    }

}
