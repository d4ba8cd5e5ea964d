import Clocks
import Foundation
import MarketDecoding
import Synchronization
@testable import Collector
@testable import WebSocketTransport

/// A `ShardRuntime` whose clocks the test moves: work queued or scheduled runs only inside `run`
/// and `advance`, on the test's thread, in the order of its due time.
final class ManualRuntime: ShardRuntime, @unchecked Sendable {
    // @unchecked: everything happens on the test's one thread.
    private struct Job {
        let due: Int64
        let order: Int
        let work: @Sendable () -> Void
    }

    private var time: Moment
    private var jobs: [Job] = []
    private var nextOrder = 0
    private var onQueue = false

    init(start: Moment = Moment(wallMicros: 1_795_268_300_000_000, monotonicNanos: 5_000_000_000_000)) {
        time = start
    }

    var now: Moment { time }

    func async(_ work: @escaping @Sendable () -> Void) { schedule(at: time.monotonicNanos, work) }

    func sync<Result>(_ work: () -> Result) -> Result {
        let outer = onQueue
        onQueue = true
        defer { onQueue = outer }
        return work()
    }

    func after(nanoseconds: Int64, _ work: @escaping @Sendable () -> Void) {
        schedule(at: time.monotonicNanos + max(0, nanoseconds), work)
    }

    func every(nanoseconds: Int64, _ work: @escaping @Sendable () -> Bool) {
        after(nanoseconds: nanoseconds) { [self] in
            if work() { every(nanoseconds: nanoseconds, work) }
        }
    }

    func assertOnQueue() { precondition(onQueue, "not on the shard's queue") }

    /// Runs everything due by now, including what that work queues for now.
    func run() {
        while let index = nextDue(by: time.monotonicNanos) {
            let job = jobs.remove(at: index)
            onQueue = true
            job.work()
            onQueue = false
        }
    }

    /// Moves both clocks forward by `seconds`, running what falls due on the way at its time.
    func advance(seconds: Double) {
        let end = time.monotonicNanos + Int64(seconds * 1e9)
        run()
        while let index = nextDue(by: end) {
            time = time.advanced(byNanoseconds: jobs[index].due - time.monotonicNanos)
            run()
        }
        time = time.advanced(byNanoseconds: end - time.monotonicNanos)
        run()
    }

    /// Steps the wall clock alone, as NTP does.
    func stepWallClock(seconds: Double) {
        time = Moment(wallMicros: time.wallMicros + Int64(seconds * 1e6), monotonicNanos: time.monotonicNanos)
    }

    private func schedule(at due: Int64, _ work: @escaping @Sendable () -> Void) {
        jobs.append(Job(due: due, order: nextOrder, work: work))
        nextOrder += 1
    }

    private func nextDue(by limit: Int64) -> Int? {
        jobs.indices.filter { jobs[$0].due <= limit }.min { (jobs[$0].due, jobs[$0].order) < (jobs[$1].due, jobs[$1].order) }
    }
}

/// A `MarketTransport` the test plays the server for: it records what the shard opens, sends and
/// closes, and delivers opens, replies, data and closes to the connection's delegate.
final class FakeTransport: MarketTransport, @unchecked Sendable {
    // @unchecked: used from the test's one thread only.
    struct Sent {
        let connection: Int
        let method: String
        let params: [String]
        let id: Int64
    }

    private(set) var delegates: [any WebSocketDelegate] = []
    private(set) var sent: [Sent] = []
    private(set) var closed: [(connection: Int, code: UInt16, reason: String)] = []
    private var answered = Set<Int64>()
    private let clock: ManualRuntime

    init(clock: ManualRuntime) { self.clock = clock }

    var opened: Int { delegates.count }

    func open(_ target: NetworkTarget, delegate: any WebSocketDelegate) -> ConnectionID {
        delegates.append(delegate)
        return Self.id(delegates.count - 1)
    }

    func send(text: [UInt8], on connection: ConnectionID) {
        let object = try! JSONSerialization.jsonObject(with: Data(text)) as! [String: Any]
        sent.append(Sent(connection: Int(connection.rawValue), method: object["method"] as! String,
                         params: object["params"] as? [String] ?? [], id: (object["id"] as! NSNumber).int64Value))
    }

    func close(_ connection: ConnectionID, code: UInt16, reason: String) {
        closed.append((Int(connection.rawValue), code, reason))
    }

    // MARK: - Playing the server

    func accept(_ connection: Int) {
        delegates[connection].webSocketDidOpen(Self.id(connection))
    }

    /// Answers every request sent on `connection` so far with `{"result":null}`.
    func acknowledge(_ connection: Int) {
        for request in sent where request.connection == connection && answered.insert(request.id).inserted {
            deliver(#"{"result":null,"id":\#(request.id)}"#, on: connection)
        }
    }

    /// One `!assetIndex@arr` frame with one event.
    func data(_ connection: Int, eventTime: Int64 = 1_795_268_300_000) {
        deliver(#"{"stream":"!assetIndex@arr","data":[{"e":"assetIndexUpdate","E":\#(eventTime),"s":"BTCUSD","i":"1.0"}]}"#, on: connection)
    }

    func end(_ connection: Int, _ reason: CloseReason) {
        delegates[connection].webSocket(Self.id(connection), didClose: reason)
    }

    private func deliver(_ text: String, on connection: Int) {
        delegates[connection].webSocket(Self.id(connection), didReceive: ReceivedMessage(payload: Array(text.utf8), isBinary: false, receivedAt: clock.now))
    }

    static func id(_ index: Int) -> ConnectionID { ConnectionID(rawValue: UInt64(index)) }
}

/// A `ShardOutput` that decodes each message as the daemon's pipeline does (control replies and
/// data go back to the shard through the source) and keeps the gap records the shard writes.
final class RecordingOutput: ShardOutput, @unchecked Sendable {
    // @unchecked: used from the test's one thread only.
    private let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
    private(set) var gaps: [[String: Any]] = []

    func submit(_ message: ReceivedMessage, from source: MessageSource) {
        let outcome = decoder.decode(InboundFrame(payload: message.payload, isBinary: message.isBinary,
                                                  receivedAtMicros: message.receivedAt.wallMicros, source: source.label))
        if !outcome.records.isEmpty { source.onData(message.receivedAt) }
        if let reply = outcome.reply { source.onReply(reply) }
    }

    func submit(_ records: [Record]) {
        for record in records {
            gaps.append(try! JSONSerialization.jsonObject(with: Data(record.line)) as! [String: Any])
        }
    }
}
