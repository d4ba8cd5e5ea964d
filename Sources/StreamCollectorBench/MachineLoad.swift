import Foundation
import Glibc

/// What the whole machine and the bench's own flood servers spent while one receiver ran: the
/// cores kept busy (`/proc/stat`: everything but idle and I/O wait, so time a hypervisor stole
/// counts as taken) and the CPU seconds of this process's swift-nio event-loop threads, which
/// serve the flood. With a receiver's own CPU they show where a 2-core machine's time went.
struct MachineLoad {
    /// A reading to subtract a later one from.
    struct Reading {
        let busyTicks: Double
        let allTicks: Double
        let serverNanoseconds: Double
    }

    /// Cores busy on average over the span, of `cores`.
    let busyCores: Double
    /// CPU seconds the flood servers' event-loop threads ran over the span.
    let serverCPUSeconds: Double

    /// The machine's online cores.
    static let cores = Double(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    static func read() -> Reading {
        let ticks = machineTicks()
        return Reading(busyTicks: ticks.busy, allTicks: ticks.all, serverNanoseconds: serverNanoseconds())
    }

    init(from start: Reading, to end: Reading) {
        let all = end.allTicks - start.allTicks
        busyCores = all > 0 ? (end.busyTicks - start.busyTicks) / all * Self.cores : 0
        serverCPUSeconds = (end.serverNanoseconds - start.serverNanoseconds) / 1e9
    }

    /// The first line of `/proc/stat`: busy and all ticks summed over every core.
    private static func machineTicks() -> (busy: Double, all: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return (0, 0) }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard values.count == 8 else { return (0, 0) }
        let all = values.reduce(0, +)
        return (all - values[3] - values[4], all)
    }

    /// Nanoseconds run by this process's swift-nio event-loop threads (`NIO-ELT-…`), from each
    /// one's `schedstat`. The flood servers' loops live as long as the bench, so none is lost.
    private static func serverNanoseconds() -> Double {
        ChildProcess.threadRunNanoseconds(of: "self") { $0.hasPrefix("NIO-ELT") }.values.reduce(0, +)
    }
}
