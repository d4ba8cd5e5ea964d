import Foundation

/// A small tmpfs mounted for one test (needs root), to make a disk really fill up.
struct TemporaryFilesystem {
    let path: String

    /// Whether this process may mount a tmpfs (tried once).
    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? TemporaryFilesystem(kibibytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    init(kibibytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=\(kibibytes)k,mode=0750", "tmpfs", path])
    }

    /// Grows (or shrinks) the filesystem in place: "space returns".
    func resize(kibibytes: Int) throws {
        try Self.mount(["-o", "remount,size=\(kibibytes)k", path])
    }

    func unmount() {
        _ = try? Self.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func mount(_ arguments: [String]) throws {
        guard try run("/bin/mount", arguments) == 0 else { throw HarnessError("mount \(arguments.joined(separator: " ")) failed") }
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
