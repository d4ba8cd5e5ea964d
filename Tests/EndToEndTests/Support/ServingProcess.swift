import Foundation

/// A `stream-collector` command that serves on a free port (`simulate`, `replay --serve`), with
/// its output in a file: the port it bound is read from what it prints.
final class ServingProcess {
    let process = Process()
    let logPath: String

    init(_ arguments: [String]) async throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("serving-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        process.arguments = arguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try await eventually("\(arguments.first ?? "") to listen") { self.port != nil }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var port: Int? {
        log.firstMatch(of: /ws:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    var peakKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        return status.firstMatch(of: /VmHWM:\s+(\d+) kB/).flatMap { Int($0.1) } ?? 0
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
