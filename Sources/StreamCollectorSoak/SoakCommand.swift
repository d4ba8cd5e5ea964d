import CollectorTestKit
import ArgumentParser
import Foundation
import MarketServer
import StreamVerification
import Synchronization

/// `stream-collector-soak`: runs the collector for a long while against a server that injects
/// random faults, then proves from the files that nothing was lost or duplicated and that memory
/// stayed flat.
@main
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-collector-soak",
        abstract: "Soak-test stream-collector against random faults; check loss, duplicates and memory.",
        discussion: """
            Starts a swift-nio Binance-compatible server on 127.0.0.1 that publishes an \
            !assetIndex@arr event every 20 ms, cuts every connection at --lifetime seconds (the \
            24-hour cut, compressed; the collector renews at two thirds of it) and injects a random \
            fault every 3 to 16 seconds (the memory-hungry frames first, during warm-up): TCP drops, \
            closes with 1000/1001/1008/1011, silence, refused, stalled and 429/503-rejected \
            connection attempts, malformed, binary, invalid UTF-8, 5 MB and heavily fragmented \
            frames, and 429 answers to the REST snapshot.

            Then it stops the collector with SIGTERM and checks its files: every event once, every \
            missing one inside a collector.gap record. It prints the collector's RSS after warm-up, \
            at its peak and at the end. Exit status 0 only when nothing was lost or duplicated and \
            RSS did not grow after warm-up.
            """)

    @Option(help: "How long to run, in minutes.")
    var minutes: Double = 10

    @Option(help: "The stream-collector binary (default: next to this one).")
    var collector: String?

    @Option(help: "Seconds after which the server cuts a connection (the compressed 24-hour cut).")
    var lifetime: Int = 20

    @Option(help: "Keep the collector's folder (data, config, log) here instead of deleting it.")
    var keep: String?

    func run() async throws {
        let binary = collector ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("stream-collector").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("\(binary) is not an executable; build it (swift build -c release) or pass --collector")
        }
        let duration = minutes * 60
        let faults = FaultInjector()
        let hub = MarketHub(connectionLifetime: .seconds(Int64(lifetime)))
        let server = try await WebSocketServer.start(host: "127.0.0.1", port: 0, handler: hub, intercept: Admission.intercepting(faults.admission),
                                                     answer: faults.restAnswer)
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dataDirectory = folder.appendingPathComponent("data").path
        let configuration = """
            endpoint: ws://127.0.0.1:\(server.port)/market
            streams: ["!assetIndex@arr", "!contractInfo"]
            stale_after_seconds: 3
            connect_timeout_seconds: 2
            renew_after_seconds: \(max(2, lifetime * 2 / 3))
            max_frame_bytes: 1048576
            reconnect:
              initial_delay_ms: 100
              max_delay_ms: 1000
            rest:
              endpoint: http://127.0.0.1:\(server.port)
            output:
              directory: \(dataDirectory)
              rotate_seconds: 20
              fsync_interval_ms: 1000
            log_level: info
            """
        let configPath = folder.appendingPathComponent("config.yaml").path
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        let logPath = folder.appendingPathComponent("collector.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--config", configPath]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STREAM_COLLECTOR_") }
        try process.run()
        print("soak: \(binary) for \(minutes) min against ws://127.0.0.1:\(server.port)/market; files in \(folder.path)")

        let feed = SequencedFeed(hub: hub, interval: .milliseconds(20))
        let memory = MemorySampler(pid: process.processIdentifier)
        let start = Date()
        var nextFault = start.addingTimeInterval(3)
        var nextReport = start.addingTimeInterval(60)
        while Date().timeIntervalSince(start) < duration, process.isRunning {
            memory.sample()
            if Date() >= nextFault {
                faults.injectRandom(into: hub)
                // The opening faults come quickly, within the warm-up; later, some quiet stretches
                // outlive the renewal age, so renewals happen between faults.
                nextFault = Date().addingTimeInterval(faults.injected.count < 4 ? 3 : Double.random(in: 3...16))
            }
            if Date() >= nextReport {
                print("soak: \(Int(Date().timeIntervalSince(start))) s, \(feed.count) events published, \(faults.injected.count) faults, RSS \(memory.latestMiB) MiB")
                nextReport = Date().addingTimeInterval(60)
            }
            try await Task.sleep(for: .seconds(1))
        }
        guard process.isRunning else {
            throw ValidationError("the collector exited early with status \(process.terminationStatus); see \(logPath)")
        }
        faults.stop()
        try await Task.sleep(for: .seconds(4))  // let a reconnect from the last fault finish
        let published = feed.stop()
        try await Task.sleep(for: .seconds(2))
        process.terminate()
        process.waitUntilExit()
        await server.stop()

        let result = try Completeness(directory: dataDirectory, symbol: SequencedFeed.symbol,
                                      published: published.map { .init(eventTime: $0.eventTime, delivered: $0.recipients > 0) })
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let renewals = log.components(separatedBy: "replacement is live").count - 1
        let rss = memory.report(warmUpSeconds: min(60, duration / 4))
        let gapReasons = Set(result.gaps.map(\.reason)).sorted().joined(separator: ", ")
        print("""
            soak: ran \(Int(Date().timeIntervalSince(start))) s; collector exit status \(process.terminationStatus)
              published \(published.count) events (\(result.undelivered) while no connection was subscribed)
              written   \(result.written.count); duplicated \(result.duplicated.count); lost without a gap record \(result.lostUnmarked.count)
              gap records \(result.gaps.count) (\(gapReasons)); renewals \(renewals); unreadable lines \(result.unreadableLines)
              faults \(faults.injected.count): \(faults.summary)
              RSS MiB: after warm-up \(rss.afterWarmUp), peak \(rss.peak), final \(rss.final), growth after warm-up \(rss.growth) (\(rss.flat ? "flat" : "GROWING"))
            """)
        if keep == nil { try? FileManager.default.removeItem(at: folder) }
        let passed = result.duplicated.isEmpty && result.lostUnmarked.isEmpty && result.unreadableLines == 0
            && process.terminationStatus == 0 && rss.flat
        print(passed ? "soak: PASS" : "soak: FAIL")
        if !passed { throw ExitCode.failure }
    }
}
