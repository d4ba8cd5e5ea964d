import Foundation
import Testing

/// The real `stream-collector` binary run as a child process (one lws context per process),
/// with its configuration in a fresh temporary folder and its stderr captured to a file.
final class DaemonProcess: @unchecked Sendable {
    let folder: URL
    let dataDirectory: String
    let logPath: String
    let configPath: String
    private let process = Process()

    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["STREAM_COLLECTOR_BIN"] { return explicit }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("stream-collector").path
    }

    private var ownsFolder = true

    /// Starts `stream-collector run` with `configuration` (YAML) plus the data directory, in a
    /// new folder, or in `previous`'s folder (a restart on the same files, which then belong to
    /// the new process and are removed with it). `dataDirectory` puts the files elsewhere.
    init(configuration: String, environment: [String: String] = [:], restarting previous: DaemonProcess? = nil,
         dataDirectory: String? = nil) throws {
        folder = previous?.folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("collector-\(UUID().uuidString)")
        previous?.ownsFolder = false
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.dataDirectory = dataDirectory ?? folder.appendingPathComponent("data").path
        logPath = folder.appendingPathComponent("stderr.log").path
        configPath = folder.appendingPathComponent("config.yaml").path
        try writeConfiguration(configuration)
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw HarnessError("\(Self.binary) is missing: build it first (scripts/test does `swift build` before `swift test`)")
        }
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["run", "--config", configPath]
        // No REST snapshots from the internet, and no metrics listener on the fixed default port
        // (tests run in parallel): tests that want them say so.
        let defaults = ["STREAM_COLLECTOR_REST_ENDPOINT": "", "STREAM_COLLECTOR_METRICS_LISTEN": ""]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STREAM_COLLECTOR_") }
            .merging(defaults.merging(environment) { $1 }) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    var processIdentifier: Int32 { process.processIdentifier }

    /// The signal that ended the process, if one did.
    var terminationSignal: Int32? {
        process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
    }

    /// Replaces the configuration file (the data directory and fsync interval are added as at start).
    func writeConfiguration(_ configuration: String, output: String = "") throws {
        try (configuration + "\noutput:\n  directory: \(dataDirectory)\n  fsync_interval_ms: 100\n" + output)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Sends SIGHUP (reload the configuration, reopen the files).
    func hangUp() {
        kill(process.processIdentifier, SIGHUP)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit; returns the status and how long it took.
    func terminate() async throws -> (status: Int32, seconds: Double) {
        let start = Date()
        process.terminate()
        while process.isRunning {
            if Date().timeIntervalSince(start) > 10 {
                kill(process.processIdentifier, SIGKILL)
                throw HarnessError("the daemon did not exit within 10 s of SIGTERM; log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }

    /// Sends SIGKILL (no chance to flush or close anything) and waits for the exit.
    func crash() async throws {
        kill(process.processIdentifier, SIGKILL)
        try await eventually("the daemon to die") { !process.isRunning }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if ownsFolder { try? FileManager.default.removeItem(at: folder) }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms until it holds, or fails the test after `seconds` (generous: the
/// suite starts dozens of daemons at once on a small machine).
func eventually(_ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HarnessError("timed out after \(seconds) s waiting for: \(what)")
}
