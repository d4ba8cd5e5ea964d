import Foundation
import Testing

/// The systemd unit and `scripts/install.sh`, checked with the tools systemd itself ships.
@Suite(.serialized) struct ServiceInstallTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hasSystemdAnalyze = FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")

    /// Runs a program; returns its exit status and everything it printed.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The unit as installed, but naming the binary this test run built.
    func unitAgainstBuiltBinary() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = try String(contentsOf: Self.repository.appendingPathComponent("systemd/stream-collector.service"), encoding: .utf8)
        let path = folder.appendingPathComponent("stream-collector.service").path
        try text.replacingOccurrences(of: "/usr/bin/stream-collector", with: DaemonProcess.binary)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: hasSystemdAnalyze, "systemd-analyze is not installed (Debian package systemd)"))
    func theUnitVerifiesCleanAndScoresAtMostOnePointFive() throws {
        let unit = try unitAgainstBuiltBinary()
        defer { try? FileManager.default.removeItem(atPath: (unit as NSString).deletingLastPathComponent) }
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify", unit])
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")
        let security = try Self.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", unit])
        let score = security.output.firstMatch(of: /Overall exposure level for [^:]+: (\d+\.\d+)/).flatMap { Double($0.1) }
        #expect(score != nil && score! <= 1.5, "\(security.output.split(separator: "\n").last ?? "")")
        let text = try String(contentsOfFile: unit, encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=stream-collector", "User=stream-collector",
                     "Group=stream-collector", "UMask=0027", "ExecReload=/bin/kill -HUP $MAINPID", "LimitNICE=-4",
                     "swift-backtrace=/usr/libexec/stream-collector/swift-backtrace"] {
            #expect(text.contains(line), "the unit has \(line)")
        }
        #expect(!text.contains("DynamicUser=yes"), "DynamicUser would hide the files from a shipper")
    }

    /// The Debian package takes its version from VERSION and refuses a binary that says otherwise.
    @Test func theBinarySaysTheVersionInTheVERSIONFile() throws {
        let version = try String(contentsOf: Self.repository.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let printed = try Self.run(DaemonProcess.binary, ["--version"])
        #expect(printed.status == 0 && printed.output.trimmingCharacters(in: .whitespacesAndNewlines) == version)
    }

    @Test func installIsIdempotentAndNeverOverwritesTheOperatorsConfiguration() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let script = Self.repository.appendingPathComponent("scripts/install.sh").path
        let first = try Self.run("/bin/bash", [script, "--root", stage, "--binary", DaemonProcess.binary])
        #expect(first.status == 0, "\(first.output)")
        let config = "\(stage)/etc/stream-collector/stream-collector.yaml"
        let edited = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "\nsymbols: []\n", with: "\nsymbols: [ADAUSD]\n")
        try edited.write(toFile: config, atomically: true, encoding: .utf8)

        let second = try Self.run("/bin/bash", [script, "--root", stage, "--binary", DaemonProcess.binary])
        #expect(second.status == 0, "\(second.output)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == edited, "the operator's edit survives")
        #expect(edited.contains("\nsymbols: [ADAUSD]\n"))
        #expect(FileManager.default.fileExists(atPath: config + ".dist"))
        let passwd = try String(contentsOfFile: "\(stage)/etc/passwd", encoding: .utf8)
        #expect(passwd.split(separator: "\n").filter { $0.hasPrefix("stream-collector:") }.count == 1)
        #expect(passwd.contains(":/var/lib/stream-collector:/usr/sbin/nologin"))
        let group = try String(contentsOfFile: "\(stage)/etc/group", encoding: .utf8)
        #expect(group.split(separator: "\n").filter { $0.hasPrefix("stream-collector:") }.count == 1)
        #expect(FileManager.default.contentsEqual(atPath: "\(stage)/usr/bin/stream-collector", andPath: DaemonProcess.binary))
        #expect(FileManager.default.isExecutableFile(atPath: "\(stage)/usr/libexec/stream-collector/swift-backtrace"))
        #expect(FileManager.default.contentsEqual(atPath: "\(stage)/lib/systemd/system/stream-collector.service",
                                                  andPath: Self.repository.appendingPathComponent("systemd/stream-collector.service").path))
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(stage)/var/lib/stream-collector")
        #expect((attributes[.posixPermissions] as? Int) == 0o750)
    }
}
