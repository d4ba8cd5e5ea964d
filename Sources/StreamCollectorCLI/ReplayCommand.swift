import ArgumentParser
import Collector
import MarketDecoding
import RecordStorage
import Replay
import SystemService

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded files in receive-time order, as records, as Binance frames, or served over WebSocket.",
        discussion: """
            Reads every family folder of each --data-dir (not rejected/), .ndjson and .ndjson.gz, merging all of \
            them by recvTime in constant memory. With several directories (redundant collectors), an event \
            recorded by more than one — the same line but for recvTime — is written once. File headers are \
            left out (--headers keeps them); collector.gap records pass every filter but --stream (they pass \
            it when they list the stream), so the holes stay visible. Invalid lines and unterminated final \
            fragments are reported on stderr as FILE:LINE and skipped. On a terminal, progress is shown on stderr.

            --format wire writes the Binance payloads instead (one-letter fields, !assetIndex@arr elements \
            regrouped into the frames they arrived in; --combined wraps them as {"stream":…,"data":…}); \
            records without a wire form (headers, gaps, REST snapshots) are left out.

            --serve HOST:PORT serves the frames as a Binance-compatible endpoint (/market/ws, \
            /market/stream?streams=, SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS/SET_PROPERTY) with a replay \
            per connection: each starts once its subscriptions have settled (--settle), runs on its own \
            clock at --speed, and may choose its own window and pace in its URL (?from=…&to=…&speed=…, \
            within --from/--to); at its end every frame is flushed, --close-grace passes and the \
            connection is closed with 1000. The server keeps serving until SIGTERM/SIGINT \
            (--exit-when-done: once every connection has finished); at most --max-connections at once.

            Exit codes: 0 done; 64 bad arguments; 66 a data directory is missing or unreadable; 65 a .gz file \
            is corrupt or truncated, 74 a file could not be read (the output lacks their records; the rest is written).
            Nothing is ever written into the data directories.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case records, wire
    }

    @Option(name: .customLong("data-dir"), help: "A collector's output directory; repeat to merge several.")
    var dataDirectories: [String] = []

    @Option(help: "Only records received at or after this ISO-8601 UTC time (2026-11-21T13:00:00Z, 2026-11-21).")
    var from: String?

    @Option(help: "Only records received before this ISO-8601 UTC time.")
    var to: String?

    @Option(name: .customLong("stream"), help: "Only this stream (e.g. !assetIndex@arr); repeatable.")
    var streams: [String] = []

    @Option(name: .customLong("symbol"), help: "Only this symbol (any case); repeatable.")
    var symbols: [String] = []

    @Option(name: .customLong("type"), help: "Only this record type (assetIndexUpdate, contractInfo …); repeatable.")
    var types: [String] = []

    @Flag(help: "Keep the collector.file header records.")
    var headers = false

    @Option(help: "records (the stored lines) or wire (the Binance payloads).")
    var format: Format = .records

    @Flag(help: "With --format wire: wrap each payload as Binance's combined stream does.")
    var combined = false

    @Option(name: .customLong("dedup-window"), help: "Seconds of receive time within which redundant collectors' copies of an event are recognised.")
    var deduplicationWindow: Double = 60

    @Option(help: "Serve the replay as a Binance-compatible WebSocket endpoint on HOST:PORT instead of writing stdout.")
    var serve: String?

    @Option(help: "With --serve: recorded seconds per second (1, 10 …) or max; a connection's URL may ask for its own.")
    var speed = "1"

    @Option(help: "With --serve: a connection's replay starts once no SUBSCRIBE came for this many seconds.")
    var settle: Double = 1

    @Option(name: .customLong("close-grace"), help: "With --serve: seconds between a replay's last frame and its close.")
    var closeGrace: Double = 1

    @Option(name: .customLong("max-connections"), help: "With --serve: connections served at once; more are answered 503.")
    var maximumConnections = 32

    @Flag(name: .customLong("exit-when-done"), help: "With --serve: exit once every connection has finished, instead of serving until SIGTERM.")
    var exitWhenDone = false

    func validate() throws {
        guard !dataDirectories.isEmpty else { throw ValidationError("give at least one --data-dir") }
        let window = try timeWindow()
        if let from = window.from, let to = window.to, from >= to {
            throw ValidationError("--from (\(self.from!)) must be before --to (\(self.to!))")
        }
        guard deduplicationWindow >= 0 else { throw ValidationError("--dedup-window must be 0 or more seconds") }
        _ = try pace()
        guard settle >= 0, closeGrace >= 0 else { throw ValidationError("--settle and --close-grace must be 0 or more seconds") }
        guard maximumConnections > 0 else { throw ValidationError("--max-connections must be 1 or more") }
        if let serve, ListenAddress(serve) == nil { throw ValidationError("--serve must be HOST:PORT, for example 127.0.0.1:9500") }
        if serve != nil && (format != .records || combined) { throw ValidationError("--serve sends wire frames itself; leave out --format and --combined") }
        if combined && format != .wire { throw ValidationError("--combined goes with --format wire") }
    }

    func run() async throws {
        let window = try timeWindow()
        let query = ReplayQuery(fromMicros: window.from, toMicros: window.to, streams: Set(streams), symbols: Set(symbols),
                                types: Set(types), includeHeaders: headers)
        let diagnostics = ReplayDiagnostics { StandardError.print($0) }
        let replay: MergedReplay
        do {
            replay = try MergedReplay(directories: dataDirectories, query: query, diagnostics: diagnostics,
                                      deduplicationWindowMicros: Int64(deduplicationWindow * 1_000_000))
        } catch {
            StandardError.print("stream-collector replay: \(error)")
            throw ExitCode(66)
        }
        if let serve, let address = ListenAddress(serve) {
            let source = ReplaySource(directories: dataDirectories, query: query, deduplicationWindowMicros: Int64(deduplicationWindow * 1_000_000))
            return try await serveReplay(source, files: replay.fileCount, on: address)
        }
        try write(replay)
        if let summary = diagnostics.summary { StandardError.print("stream-collector replay: \(summary)") }
        if diagnostics.exitCode != 0 { throw ExitCode(diagnostics.exitCode) }
    }

    private func write(_ replay: MergedReplay) throws {
        let output = LineWriter()
        let progress = ReplayProgress()
        defer { progress.finish() }
        do {
            switch format {
            case .records:
                while let record = replay.next() {
                    progress.update(replay, at: record.receivedAtMicros)
                    try output.writeLine(record.line)
                }
            case .wire:
                var framer = WireFramer()
                while let record = replay.next() {
                    progress.update(replay, at: record.receivedAtMicros)
                    if let frame = framer.add(record) { try output.writeLine(combined ? frame.combined : frame.payload) }
                }
                if let frame = framer.finish() { try output.writeLine(combined ? frame.combined : frame.payload) }
            }
            try output.flush()
        } catch {
            StandardError.print("stream-collector replay: \(error)")
            throw ExitCode(74)
        }
    }

    private func serveReplay(_ source: ReplaySource, files: Int, on address: ListenAddress) async throws {
        let settings = ReplayServer.Settings(pace: try pace(), settleSeconds: settle, closeGraceSeconds: closeGrace,
                                             maximumConnections: maximumConnections, exitWhenDone: exitWhenDone)
        let server: ReplayServer
        do {
            server = try await ReplayServer.start(host: address.host, port: address.port, source: source, settings: settings) {
                StandardError.print("stream-collector replay: \($0)")
            }
        } catch {
            StandardError.print("stream-collector replay: cannot listen on \(address): \(error)")
            throw ExitCode(73)
        }
        StandardError.print("stream-collector replay: serving \(files) files on ws://\(address.host):\(server.port)/market at speed \(speed), a replay per connection")
        let stopping = Task {
            for await signal in Signals.stream(of: [.terminate, .interrupt]) {
                StandardError.print("stream-collector replay: received \(signal.rawValue); stopping")
                server.stop()
                break
            }
        }
        defer { stopping.cancel() }
        await server.run()
    }

    private func timeWindow() throws -> (from: Int64?, to: Int64?) {
        func parse(_ text: String?, _ option: String) throws -> Int64? {
            guard let text else { return nil }
            guard let micros = UTCTime.microseconds(iso8601: text) else {
                throw ValidationError("\(option) '\(text)' is not an ISO-8601 UTC time, e.g. 2026-11-21T13:00:00Z or 2026-11-21")
            }
            return micros
        }
        return (try parse(from, "--from"), try parse(to, "--to"))
    }

    private func pace() throws -> ReplayPace {
        guard let pace = ReplayPace(speed) else { throw ValidationError("--speed must be \(ReplayPace.expected)") }
        return pace
    }
}
