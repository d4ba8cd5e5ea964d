import CollectorTestKit
import Foundation
import MarketServer
import StreamVerification
import Testing

/// `kill -9` at arbitrary moments, then restart on the same files; a fatal signal writes a
/// backtrace and ends the process.
@Suite(.serialized) struct CrashTests {
    /// The toolchain's static backtracer, which the package ships and the unit names.
    static let backtracer: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        guard let swift = path.split(separator: ":").map({ "\($0)/swift" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return ""
        }
        return URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("libexec/swift/linux/swift-backtrace-static").path
    }()

    /// What the unit's `SWIFT_BACKTRACE` asks for: a backtrace of every thread, then the signal's
    /// default action — also for a signal sent with `kill`, which would otherwise leave the
    /// process running after the backtrace (SIGABRT is what systemd's watchdog sends).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: backtracer), "no swift-backtrace-static next to swift on PATH"),
          arguments: [SIGSEGV, SIGABRT])
    func aFatalSignalWritesABacktraceAndEndsTheProcess(signal: Int32) async throws {
        let daemon = try DaemonProcess(configuration: "endpoint: ws://127.0.0.1:9/market", environment: [
            "SWIFT_BACKTRACE": "enable=yes,interactive=no,color=no,output-to=stderr,preset=full,registers=none,images=mentioned,swift-backtrace=\(Self.backtracer)",
        ])
        try await eventually("the daemon to be running") { daemon.log.contains("ready (") }
        kill(daemon.processIdentifier, signal)
        try await eventually("the process to end", within: 20) { !daemon.isRunning }
        #expect(daemon.terminationSignal == signal, "ended by the signal itself, not an exit")
        #expect(daemon.log.contains("*** Program crashed"), "\(daemon.log)")
        #expect(daemon.log.contains("Thread 0 ") && daemon.log.contains("Thread 2 "), "every thread")
        // Named frames (the runtime and Dispatch are in the binary itself when linked statically).
        #expect(daemon.log.contains(/0x[0-9a-f]+ [_A-Za-z$][^ ]* \+ \d+ in (stream-collector|libdispatch\.so)/), "symbolicated frames")
    }

    @Test func killedMidStreamEveryFileStaysReadableAndTheDowntimeIsMarked() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let configuration = FaultInjectionTests.configuration(port: server.port)
        let feed = SequencedFeed(hub: server.hub, interval: .milliseconds(2))
        var daemon = try DaemonProcess(configuration: configuration)
        let crashes = 3
        for _ in 0..<crashes {
            let connection = try await server.subscriber(to: FaultInjectionTests.streams)
            try await Task.sleep(for: .milliseconds(Int.random(in: 700...1500)))
            try await daemon.crash()
            try await eventually("the server to see the connection go") { !server.hub.connections.contains { $0.connection == connection } }
            daemon = try DaemonProcess(configuration: configuration, restarting: daemon)
        }
        _ = try await server.subscriber(to: FaultInjectionTests.streams)
        try await Task.sleep(for: .milliseconds(500))
        let (sent, result) = try await finishRun(feed, daemon)
        let files = DataFiles(directory: daemon.dataDirectory)

        // Every line of every file is a whole JSON object, except at most a torn last fragment.
        for family in ["contract-info", "other-events", "rejected"] {
            _ = try files.objects(family, skippingTornTails: true)
        }
        #expect(result.unreadableLines == 0, "\(result)")
        #expect(result.tornFiles <= crashes, "\(result)")
        #expect(result.duplicated.isEmpty, "\(result)")
        #expect(result.lostUnmarked.isEmpty, "\(result)")
        #expect(result.gaps.filter { $0.reason == "collector-down" }.count == crashes, "\(result)")
        #expect(result.written.count > sent.count / 2, "\(result)")
    }
}
