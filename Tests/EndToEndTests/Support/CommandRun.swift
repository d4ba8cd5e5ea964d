import Foundation

/// A short-lived command of the built binaries (`stream-collector replay`, `verify`,
/// `stream-collector-bench generate`), its stdout and stderr kept apart.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }

    static func collector(_ arguments: [String]) throws -> CommandRun {
        try run(DaemonProcess.binary, arguments)
    }

    static func bench(_ arguments: [String]) throws -> CommandRun {
        try run(URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("stream-collector-bench").path, arguments)
    }

    static func run(_ program: String, _ arguments: [String]) throws -> CommandRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STREAM_COLLECTOR_") }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus,
                          stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

/// Every file and folder below `directory` with its size and modification time: equal before
/// and after means nothing was written there.
func treeSnapshot(_ directory: String) -> [String: String] {
    var snapshot: [String: String] = [:]
    for relative in FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [] {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(relative)")) ?? [:]
        snapshot[relative] = "\(attributes[.size] ?? 0) \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }
    snapshot["."] = "\(((try? FileManager.default.attributesOfItem(atPath: directory)[.modificationDate]) as? Date)?.timeIntervalSince1970 ?? 0)"
    return snapshot
}
