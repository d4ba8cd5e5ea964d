import Dispatch
import Foundation
import Testing

/// A real program users run beside the collector — a shipper, a client library, Spark, promtool —
/// found where `scripts/setup --tests` puts it. Outside CI a missing tool skips its tests, saying
/// how to get it; under CI (`CI=true`) its tests run anyway and fail, since a check that silently
/// stops running proves nothing.
struct ExternalTool: Sendable {
    let name: String
    /// What must exist for the tool to be there.
    let path: String
    /// What `path` needs besides existing (a Python module importable, say); nil: nothing.
    let probe: [String]?

    /// Where `scripts/setup --tests` caches what is not a Debian package installed on the host.
    static let cache = ProcessInfo.processInfo.environment["STREAM_COLLECTOR_CACHE"] ?? "/var/cache/stream-collector"
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    /// The Python of the tests' virtual environment (`scripts/test-requirements.txt`).
    static let python = "\(cache)/test-venv/bin/python3"

    static let rsyslog = ExternalTool(name: "rsyslog", path: "/usr/sbin/rsyslogd", probe: nil)
    static let syslogNG = ExternalTool(name: "syslog-ng", path: "\(cache)/syslog-ng/usr/sbin/syslog-ng", probe: nil)
    static let promtool = ExternalTool(name: "promtool", path: "\(cache)/prometheus/usr/bin/promtool", probe: nil)
    static let java = ExternalTool(name: "Java (openjdk-17-jre-headless)", path: "/usr/bin/java", probe: nil)
    static let duckDB = pythonModule("duckdb")
    static let pythonBinance = pythonModule("binance")
    static let pySpark = pythonModule("pyspark")

    static func pythonModule(_ module: String) -> ExternalTool {
        ExternalTool(name: "the \(module) Python package", path: python, probe: ["-c", "import \(module)"])
    }

    var isInstalled: Bool {
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        guard let probe else { return true }
        return (try? ServiceInstallTests.run(path, probe).status) == 0
    }

    /// Whether its tests run: the tool is there, or CI requires it.
    var runsTests: Bool { Self.inCI || isInstalled }

    /// Why its tests are skipped.
    var skipReason: Comment { "\(name) is missing: scripts/setup --tests installs it (\(path))" }

    /// Runs the tool with `arguments` to completion; see `run(_:_:)`.
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Self.run(path, arguments)
    }

    /// Runs `program` to completion on a thread of its own, its output and errors together. A
    /// program that takes tens of seconds (Spark, a client library) would otherwise hold one of
    /// Swift's few cooperative threads, starving the tests' servers and feeds running beside it.
    static func run(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ServiceInstallTests.run(program, arguments) })
            }
        }
    }

    /// Records a failure naming what to do when the tool is missing (in CI); true when it is there.
    func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isInstalled { return true }
        Issue.record("\(name) is missing (\(path)); CI must install it: scripts/setup --tests", sourceLocation: sourceLocation)
        return false
    }
}
