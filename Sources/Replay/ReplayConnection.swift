import Clocks
import MarketServer
import Synchronization

/// One consumer's replay: the recording, within the window it asked for, on its own clock at its
/// own pace. It starts once the consumer's subscriptions have settled (no SUBSCRIBE for `settle`
/// after the last one; streams named in the URL count as subscribed at connect), so a library
/// that paces its requests still gets every stream from the start; a stream subscribed later joins
/// at the current position, as on Binance. A reader slower than the pace holds back only this
/// replay. At the end every frame is flushed to the socket, `closeGrace` passes, and the
/// connection is closed with 1000.
///
/// Threads: the request methods run on the connection's event loop; the replay runs in a task of
/// its own; what they share is behind `Mutex`/`Atomic`.
final class ReplayConnection: Sendable {
    struct Settings: Sendable {
        var pace: ReplayPace
        var settleNanos: Int64
        var closeGraceNanos: Int64
    }

    let number: Int
    private let connection: ServerConnection
    private let session: Mutex<BinanceSession>
    /// When the last SUBSCRIBE arrived, on the monotonic clock (the connect time for URL streams).
    private let lastSubscription: Atomic<Int64>
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(number: Int, connection: ServerConnection) {
        self.number = number
        self.connection = connection
        session = Mutex(BinanceSession(path: connection.path))
        lastSubscription = Atomic(MonotonicClock.nowNanoseconds())
    }

    /// Applies a client request (Binance's protocol) and returns the reply.
    func handle(request text: String) -> String {
        let (reply, subscribed) = session.withLock { session in
            let before = session.subscriptions.count
            let reply = session.handle(request: text)
            return (reply, session.subscriptions.count > before)
        }
        if subscribed { lastSubscription.store(MonotonicClock.nowNanoseconds(), ordering: .relaxed) }
        return reply
    }

    /// Starts the replay; `log` tells the operator, `gap` hears each gap record met.
    func start(source: ReplaySource, request: ReplayRequest, settings: Settings, log: @escaping @Sendable (String) -> Void,
               gap: @escaping @Sendable ([UInt8]) -> Void) {
        let player = Task { [self] in await play(source: source, request: request, settings: settings, log: log, gap: gap) }
        task.withLock { $0 = player }
    }

    /// Stops the replay (the client went away).
    func cancel() {
        task.withLock { $0?.cancel() }
    }

    private func play(source: ReplaySource, request: ReplayRequest, settings: Settings, log: @escaping @Sendable (String) -> Void,
                      gap: @escaping @Sendable ([UInt8]) -> Void) async {
        while !Task.isCancelled {
            let subscribed = session.withLock { !$0.subscriptions.isEmpty }
            if subscribed, MonotonicClock.nowNanoseconds() - lastSubscription.load(ordering: .relaxed) >= settings.settleNanos { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !Task.isCancelled else { return }
        let number = self.number
        let diagnostics = ReplayDiagnostics { log("connection \(number): \($0)") }
        let replay: MergedReplay
        do {
            replay = try source.open(from: request.fromMicros, to: request.toMicros, diagnostics: diagnostics)
        } catch {
            log("connection \(number): cannot read the recording: \(error)")
            connection.close(code: 1011, reason: "cannot read the recording")
            return
        }
        var framer = WireFramer()
        var clock: (startNanos: Int64, firstMicros: Int64)?
        var sent = 0
        while !Task.isCancelled {
            let record = replay.next()
            if let record, record.isGap { gap(Array(record.line)) }
            guard let frame = record.map({ framer.add($0) }) ?? framer.finish() else {
                if record == nil { break }
                continue
            }
            let start = clock ?? (MonotonicClock.nowNanoseconds(), frame.receivedAtMicros)
            clock = start
            if case .times(let speed) = settings.pace {
                let due = start.startNanos + Int64(Double(frame.receivedAtMicros - start.firstMicros) * 1000 / speed)
                let wait = due - MonotonicClock.nowNanoseconds()
                if wait > 0 { try? await Task.sleep(for: .nanoseconds(wait)) }
            }
            let payload = String(decoding: frame.payload, as: UTF8.self)
            guard let text = session.withLock({ $0.frame(for: frame.stream, payload: payload) }) else { continue }
            connection.send(text: text)
            sent += 1
            while !connection.isWritable, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
        }
        guard !Task.isCancelled else { return }
        await connection.drained()
        try? await Task.sleep(for: .nanoseconds(settings.closeGraceNanos))
        connection.close(code: 1000, reason: "end of replay")
        log("connection \(number): replay finished: \(sent) frames sent, \(framer.skipped) records without a wire form skipped; closed with 1000")
    }
}
