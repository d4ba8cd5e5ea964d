import Clocks
import Dispatch
import Logging
import MarketDecoding
import Synchronization
import WebSocketTransport

/// The decoding stage: takes whole messages from the network thread, decodes them on its own
/// serial Dispatch queue, drops events already written (`Deduplicator`), sends records to the
/// `RecordWriter`, and replies back to the connection that asked.
///
/// Hand-off from the network thread is one lock per message and, at most, one queue hop per pass
/// of the service loop: messages gather in an `Inbox`, and `passEnded` schedules a single drain
/// that empties it. Under a flood a pass delivers a read's worth of messages (about seven of
/// 8.9 KB over `ws://`, one TLS record's worth over `wss://`), which decoding then takes in one
/// wake-up rather than one each; while decoding sleeps, a burst's passes are held together
/// (`Inbox`), so a sleeping worker is woken for a read's worth, not for every TLS record.
final class FramePipeline: ShardOutput {
    private final class QueueState: @unchecked Sendable {
        // @unchecked: only touched in `drain`, on `queue` (checked).
        var deduplicator = Deduplicator()
    }

    private let decoder: FrameDecoder
    private let writer: RecordWriter
    private let stats: CollectorStats
    private let logger: Logger
    private let release: @Sendable (Int) -> Void
    private let queue: DispatchQueue
    private let inbox = Mutex(Inbox<(ReceivedMessage, MessageSource)>())
    private let state = QueueState()
    /// When the decode queue last began a drain (`Heartbeat`).
    let lastTurn = MonotonicStamp()

    /// - Parameter beat: whose queue decoding runs on, with the writer's, so a frame is decoded
    ///   and written in one wake-up.
    init(decoder: FrameDecoder, writer: RecordWriter, beat: Beat, stats: CollectorStats, logger: Logger,
         release: @escaping @Sendable (Int) -> Void) {
        self.decoder = decoder
        self.writer = writer
        self.stats = stats
        self.logger = logger
        self.release = release
        queue = DispatchQueue(label: "stream-collector.decode", target: beat.queue)
    }

    /// Called on the network thread; returns at once. Decoding starts at the end of the pass
    /// that delivered the message, or a few passes later in a burst (`passEnded`).
    func submit(_ message: ReceivedMessage, from source: MessageSource) {
        inbox.withLock { $0.append((message, source), bytes: message.payload.count, receivedAtNanos: message.receivedAt.monotonicNanos) }
    }

    /// Called on the network thread after each pass of its loop (and once more as the loop ends,
    /// `loopEnding`): schedules a drain of what the inbox holds, unless one is already on its way,
    /// or holds it for the next pass (`Inbox`).
    func passEnded(loopEnding: Bool) -> PassHandOff {
        switch inbox.withLock({ $0.passEnded(loopEnding: loopEnding) }) {
        case .none:
            return .setGoing
        case .hold:
            return .holding
        case .drain:
            queue.async { self.drain() }
            return .setGoing
        }
    }

    /// Queues records made by the collector itself (gaps, snapshots) behind every message set
    /// going so far, so they reach the files after what was decoded before them.
    func submit(_ records: [Record]) {
        queue.async { [writer] in writer.write(records) {} }
    }

    /// Queues what a REST body turned into (records, then the rejected parts), counting the
    /// rejections as frames' rejections are counted.
    func submit(_ outcome: RestOutcome) {
        for rejection in outcome.rejections { _ = stats.rejected(rejection.reason) }
        submit(outcome.records + outcome.rejections.map(\.record))
    }

    /// Runs `answer` on the decode queue behind the work already queued there.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        queue.async(execute: answer)
    }

    /// Waits until every submitted message has been decoded and handed to the writer.
    func flush() {
        queue.sync {}
    }

    private func drain() {
        dispatchPrecondition(condition: .onQueue(queue))
        lastTurn.set()
        let batch = inbox.withLock { $0.take() }
        defer { inbox.withLock { $0.drainEnded() } }
        guard !batch.isEmpty else { return }
        stats.framesReceived(batch.count)
        var records: [Record] = []
        var receivedBytes = 0
        var duplicates = 0
        for (message, source) in batch {
            receivedBytes += message.payload.count
            let frame = InboundFrame(payload: message.payload, isBinary: message.isBinary,
                                     receivedAtMicros: message.receivedAt.wallMicros, source: source.label)
            let outcome = decoder.decode(frame)
            if !outcome.records.isEmpty {
                for record in outcome.records {
                    // The window runs on the monotonic clock: a step of the wall clock neither
                    // forgets the last minute nor keeps it for an hour.
                    if let identity = record.identity,
                       !state.deduplicator.admit(identity.key, atMicros: message.receivedAt.monotonicNanos / 1000) {
                        duplicates += 1
                    } else {
                        records.append(record)
                    }
                }
                source.onData(message.receivedAt)
            }
            for rejection in outcome.rejections {
                records.append(rejection.record)
                if stats.rejected(rejection.reason) {
                    logger.warning("rejected a frame (\(rejection.reason.rawValue)): \(rejection.detail); kept whole in the rejected-frames file, further ones of this kind are only counted", metadata: ["connection": "\(source.label)"])
                }
            }
            if let reply = outcome.reply { source.onReply(reply) }
        }
        if duplicates > 0 { stats.duplicatesDropped(duplicates) }
        let release = self.release, bytes = receivedBytes
        writer.write(records) { release(bytes) }
    }
}
