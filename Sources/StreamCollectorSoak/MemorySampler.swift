import Foundation

/// Samples a process's resident set size (`VmRSS` in `/proc/<pid>/status`) over time.
final class MemorySampler {
    struct Report {
        let afterWarmUp: Double
        let peak: Double
        let final: Double
        let growth: Double
        /// Growth after warm-up within max(4 MiB, 10 %) of the warm-up level.
        let flat: Bool
    }

    private let pid: Int32
    private let start = Date()
    private var samples: [(seconds: Double, kib: Int)] = []

    init(pid: Int32) { self.pid = pid }

    var latestMiB: Double { Self.mib(samples.last?.kib ?? 0) }

    func sample() {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return }
        samples.append((Date().timeIntervalSince(start), kib))
    }

    /// Compares the peak in the second half of the run with the peak between warm-up and half-time.
    func report(warmUpSeconds: Double) -> Report {
        let end = samples.last?.seconds ?? 0
        let half = warmUpSeconds + (end - warmUpSeconds) / 2
        let settled = samples.filter { $0.seconds >= warmUpSeconds && $0.seconds < half }.map(\.kib)
        let later = samples.filter { $0.seconds >= half }.map(\.kib)
        let reference = settled.max() ?? 0
        let growth = max(0, (later.max() ?? 0) - reference)
        let flat = Double(growth) <= max(4096, Double(reference) * 0.10)
        return Report(afterWarmUp: Self.mib(settled.first ?? 0), peak: Self.mib(samples.map(\.kib).max() ?? 0),
                      final: Self.mib(samples.last?.kib ?? 0), growth: Self.mib(growth), flat: flat)
    }

    private static func mib(_ kib: Int) -> Double { (Double(kib) / 1024 * 10).rounded() / 10 }
}
