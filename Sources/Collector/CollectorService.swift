import Foundation
import Logging
import MarketDecoding
import RecordStorage
import WebSocketTransport

/// The running daemon: network loop → decoding → storage, with one `StreamShard` per shard
/// of at most `streamsPerConnection` streams.
///
/// `start` returns once everything is running; `stop` stops reading, writes everything already
/// received, closes the files and returns (well within 2 s).
public final class CollectorService: Sendable {
    public let configuration: CollectorConfiguration
    public let stats: CollectorStats
    private let logger: Logger
    private let loop: NetworkLoop
    private let writer: RecordWriter
    private let pipeline: FramePipeline
    private let shards: [StreamShard]
    private let snapshots: AssetIndexSnapshots?

    public init(configuration: CollectorConfiguration, logger: Logger) throws(CollectorError) {
        self.configuration = configuration
        self.logger = logger
        let stats = CollectorStats()
        self.stats = stats
        let target: NetworkTarget
        do {
            target = try NetworkTarget(url: configuration.endpoint + "/stream", accepting: NetworkTarget.Scheme.webSocket)
        } catch {
            throw .invalidEndpoint(error.description)
        }
        var options = NetworkLoop.Options(caFile: configuration.caFile)
        options.pingAfterSeconds = UInt16(configuration.pingAfterSeconds)
        options.hangupAfterSeconds = UInt16(configuration.hangupAfterSeconds)
        options.connectTimeoutSeconds = UInt32(configuration.connectTimeoutSeconds)
        let budget = ReceiveBudget(high: configuration.inflightBytes, low: configuration.inflightBytes / 2)
        let libraryLogger = logger
        loop = NetworkLoop(options: options, budget: budget) { isError, line in
            if isError { libraryLogger.warning("libwebsockets: \(line)") } else { libraryLogger.debug("libwebsockets: \(line)") }
        }
        do {
            writer = try RecordWriter(configuration: configuration.storage, stats: stats, logger: logger)
        } catch {
            throw .storage(error)
        }
        let loop = self.loop, writer = self.writer
        let pipeline = FramePipeline(decoder: FrameDecoder(maximumFrameBytes: configuration.maxFrameBytes),
                                 writer: writer, stats: stats, logger: logger,
                                 release: { bytes in loop.release(bytes: bytes) })
        self.pipeline = pipeline
        let settings = StreamShard.Settings(
            staleAfterSeconds: configuration.staleAfterSeconds,
            subscribeIntervalMilliseconds: configuration.subscribeIntervalMilliseconds,
            reconnectInitialDelayMilliseconds: configuration.reconnectInitialDelayMilliseconds,
            reconnectMaxDelayMilliseconds: configuration.reconnectMaxDelayMilliseconds,
            renewAfterSeconds: configuration.renewAfterSeconds,
            replacementDeadlineSeconds: configuration.connectTimeoutSeconds + configuration.staleAfterSeconds)
        let throttle = AttemptThrottle(minimumSpacingMilliseconds: 1000)
        let streams = configuration.allStreams
        if let rest = configuration.restEndpoint {
            do {
                snapshots = AssetIndexSnapshots(base: try NetworkTarget(url: rest, accepting: NetworkTarget.Scheme.web), loop: loop,
                                                pipeline: pipeline, stats: stats, logger: logger, maximumBodyBytes: 16 << 20)
            } catch {
                throw .invalidEndpoint(error.description)
            }
        } else {
            snapshots = nil
        }
        let snapshots = self.snapshots
        let downSince = writer.previousRunLastWriteMicros
        shards = stride(from: 0, to: streams.count, by: configuration.streamsPerConnection).enumerated().map { index, start in
            let shardStreams = Array(streams[start..<min(start + configuration.streamsPerConnection, streams.count)])
            let carriesAssetIndex = shardStreams.contains { StreamFamily.of(stream: $0) == .assetIndex }
            return StreamShard(label: "market-\(index + 1)", streams: shardStreams,
                               target: target, settings: settings, loop: loop, pipeline: pipeline,
                               throttle: throttle, stats: stats, logger: logger, downSinceMicros: downSince,
                               afterGap: { if carriesAssetIndex { snapshots?.request() } })
        }
    }

    public func start() throws(CollectorError) {
        do {
            try loop.start()
        } catch {
            throw .transport(error.description)
        }
        logger.info("collecting \(configuration.allStreams.count) streams from \(configuration.endpoint) on \(shards.count) connection(s) into \(configuration.storage.directory)")
        for shard in shards { shard.start() }
    }

    public func stop() {
        for shard in shards { shard.stop() }
        snapshots?.stop()
        loop.stop()
        pipeline.flush()
        writer.close()
        let snapshot = stats.snapshot
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        logger.info("stopped: \(snapshot.framesReceived) frames received; records written: \(list(snapshot.recordsWritten)); rejected: \(list(snapshot.rejected)); gaps: \(snapshot.gaps) (\(String(format: "%.3f", snapshot.gapSeconds)) s); renewals: \(snapshot.renewals); REST snapshots: \(list(snapshot.snapshots)); duplicates dropped: \(snapshot.duplicatesDropped); reconnects: \(list(snapshot.reconnects))")
    }
}

/// Why the daemon could not start, with what to do about it.
public enum CollectorError: Error, Sendable, CustomStringConvertible {
    case invalidEndpoint(String)
    case storage(StorageError)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let detail): "the endpoint is unusable: \(detail); fix 'endpoint' in the configuration"
        case .storage(let error): "\(error); check that output.directory exists or can be created and is writable by this user"
        case .transport(let detail): "\(detail); check tls.ca_file and that no other collector runs in this process"
        }
    }
}
