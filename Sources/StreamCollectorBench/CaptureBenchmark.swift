import ArgumentParser
import Foundation
import Glibc
import MarketDecoding
import RecordStorage

/// Capture side by side in one run: the bare libwebsockets floor, stream-collector and a Python
/// peer receive the same flood (ws:// and wss://), rounds alternating, medians; decode-only
/// throughput in process; the daemon's CPU share and memory at Binance's live rate.
struct CaptureBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture throughput against the libwebsockets floor and a Python peer, decode throughput, and cost at the live rate.")

    @OptionGroup var measured: MeasuredCollector
    @OptionGroup var references: References

    /// What stream-collector is compared with.
    struct References: ParsableArguments {
        @Option(help: "The bare libwebsockets client (the lws-floor product, release).")
        var floor = ".build/release/lws-floor"

        @Option(help: "The Python peer (websockets + orjson).")
        var peer = "scripts/bench-peer.py"
    }

    @Option(help: "Seconds each receiver runs per round.")
    var seconds = 8.0

    @Option(help: "Seconds at the live rate (one frame a second), twice: as configured by default, then without the periodic fdatasync; 0 skips both.")
    var liveSeconds = 60

    @Option(help: "Events per !assetIndex@arr frame.")
    var symbols = 40

    @Option(help: "Work directory (removed afterwards).")
    var work = "/tmp/stream-collector-capture-bench"

    enum Receiver: String, CaseIterable {
        case floor = "lws floor"
        case collector = "stream-collector"
        case peer = "python peer"
    }

    /// One receiver's run.
    struct Run {
        let events: Int
        let wireBytes: Int
        let writtenBytes: Int?
        /// From the receiver's first event to its stop: rates leave each receiver's start-up out
        /// (the Python peer needs seconds to import its modules; the others milliseconds).
        let receivingSeconds: Double
        let measurement: ChildProcess.Measurement
        /// The machine's busy cores and the flood server's CPU over the run.
        var load: MachineLoad? = nil
        /// CPU share of one core after the first seconds (start-up excluded), when measured.
        var steadyCPUShare: Double? = nil
        /// The same for a process measured alongside (the floor at the live rate).
        var alongsideCPUShare: Double? = nil

        var eventsPerSecond: Double { Double(events) / receivingSeconds }
        func megabytesPerSecond(_ bytes: Int) -> Double { Double(bytes) / receivingSeconds / 1e6 }
    }

    func run() async throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let certificate = "\(work)/cert.pem", key = "\(work)/key.pem"
        guard ChildProcess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
                                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]).status == 0 else {
            throw ValidationError("openssl could not make a certificate (scripts/setup --bench installs it)")
        }
        let frames = FloodFrames(symbols: symbols)
        let plain = try await FloodServer.start(frames: frames)
        let secure = try await FloodServer.start(frames: frames, certificate: certificate, key: key)
        print("flood: \(frames.template.count)-byte !assetIndex@arr frames of \(symbols) events; ws on \(plain.port), wss on \(secure.port)")

        let decode = DecodeBenchmark.throughput(frames, passes: 5)
        var runs: [String: [Run]] = [:]
        for round in 1...measured.rounds {
            for (transport, port) in [("ws", plain.port), ("wss", secure.port)] {
                for receiver in Receiver.allCases {
                    print("round \(round)/\(measured.rounds): \(receiver.rawValue) over \(transport)")
                    let before = MachineLoad.read()
                    var run = try await measure(receiver, secure: transport == "wss", port: port, frames: frames, certificate: certificate)
                    run.load = MachineLoad(from: before, to: MachineLoad.read())
                    runs["\(receiver.rawValue)/\(transport)", default: []].append(run)
                }
            }
        }
        var live: [Run] = []
        if liveSeconds > 0 {
            // The default configuration, then the same without the fdatasync each second: what
            // durability costs at this rate, on a machine where the floor writes nothing.
            for (name, output) in [("live", ""), ("live-unsynced", "fsync_interval_ms: 0")] {
                print("live rate\(output.isEmpty ? "" : " (\(output))"): stream-collector and the floor side by side for \(liveSeconds) s at one frame a second")
                live.append(try await liveRun(port: plain.port, frames: frames, name: name, output: output))
            }
        }
        await plain.stop()
        await secure.stop()
        report(runs, decode: decode, live: live)
    }

    /// The daemon at one frame a second, with the floor at the same rate at the same time: the CPU
    /// ratio holds however noisy the machine.
    private func liveRun(port: Int, frames: FloodFrames, name: String, output: String) async throws -> Run {
        guard let floorProcess = ChildProcess.start([references.floor, String(port), "/live/stream?streams=!assetIndex@arr", String(liveSeconds + 5)]) else {
            throw ValidationError("\(references.floor) could not be started")
        }
        defer { _ = floorProcess.finish(signal: SIGTERM) }
        return try await collector(endpoint: "ws://127.0.0.1:\(port)/live", caFile: nil, seconds: Double(liveSeconds), frames: frames,
                                   name: name, output: output, steadyAfter: min(10, Double(liveSeconds) / 4), alongside: floorProcess)
    }

    // MARK: - Measuring

    private func measure(_ receiver: Receiver, secure: Bool, port: Int, frames: FloodFrames, certificate: String) async throws -> Run {
        let caFile = secure ? certificate : nil
        let url = "\(secure ? "wss" : "ws")://\(secure ? "localhost" : "127.0.0.1"):\(port)"
        switch receiver {
        case .floor:
            let output = "\(work)/floor.out"
            let measurement = ChildProcess.run([references.floor, String(port), "/market/stream?streams=!assetIndex@arr", String(seconds)] + (caFile.map { [$0] } ?? []),
                                               stdout: output, stderr: "\(work)/floor.err")
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            guard measurement.status == 0, let match = text.firstMatch(of: /messages=(\d+) bytes=(\d+) receiving=([0-9.]+)/),
                  let receiving = Double(match.3), receiving > 0 else {
                throw ValidationError("lws-floor failed: \(text) \((try? String(contentsOfFile: "\(work)/floor.err", encoding: .utf8)) ?? "")")
            }
            return Run(events: Int(match.1)! * frames.symbols, wireBytes: Int(match.2)!, writtenBytes: nil,
                       receivingSeconds: receiving, measurement: measurement)
        case .collector:
            return try await collector(endpoint: "\(url)/market", caFile: caFile, seconds: seconds, frames: frames, name: "collector")
        case .peer:
            let output = "\(work)/peer.ndjson"
            try? FileManager.default.removeItem(atPath: output)
            guard let running = ChildProcess.start(["python3", references.peer, "\(url)/market/stream?streams=!assetIndex@arr", output] + (caFile.map { [$0] } ?? []),
                                                   stderr: "\(work)/peer.err") else { throw ValidationError("python3 could not be started") }
            try await Task.sleep(for: .seconds(seconds))
            let stoppedAt = Self.wallMicros()
            let measurement = running.finish(signal: SIGTERM)
            let written = count(files: [output], skippingHeaders: false)
            guard measurement.status == 0, written.lines > 0, let first = written.firstMicros else {
                throw ValidationError("the Python peer failed (scripts/setup --bench installs websockets and orjson): \((try? String(contentsOfFile: "\(work)/peer.err", encoding: .utf8)) ?? "")")
            }
            return Run(events: written.lines, wireBytes: written.lines / frames.symbols * frames.template.count, writtenBytes: written.bytes,
                       receivingSeconds: Double(stoppedAt - first) / 1e6, measurement: measurement)
        }
    }

    /// Runs the real daemon against `endpoint` for `seconds`, then SIGTERM; counts what it wrote.
    /// `output` adds keys to the configuration's `output` section. With `steadyAfter`, also its CPU
    /// share from then until the end (start-up left out), and that of `alongside` over the same span.
    private func collector(endpoint: String, caFile: String?, seconds: Double, frames: FloodFrames, name: String, output: String = "",
                           steadyAfter: Double? = nil, alongside: ChildProcess.Running? = nil) async throws -> Run {
        let directory = "\(work)/\(name)-data"
        try? FileManager.default.removeItem(atPath: directory)
        let configuration = """
            endpoint: \(endpoint)
            streams: ["\(FloodFrames.stream)"]
            output:
              directory: \(directory)
              compress: false
              \(output)
            metrics:
              listen: ""
            rest:
              endpoint: ""
            tls:
              ca_file: "\(caFile ?? "")"
            log_level: warning
            """
        try configuration.write(toFile: "\(work)/\(name).yaml", atomically: true, encoding: .utf8)
        guard let running = ChildProcess.start([measured.binary, "run", "--config", "\(work)/\(name).yaml"], stderr: "\(work)/\(name).err") else {
            throw ValidationError("\(measured.binary) could not be started")
        }
        var steady: (cpu: Double, alongside: Double?, at: Double)?
        if let steadyAfter {
            try await Task.sleep(for: .seconds(steadyAfter))
            steady = running.cpuSecondsSoFar().map { ($0, alongside?.cpuSecondsSoFar(), ChildProcess.monotonicSeconds()) }
        }
        try await Task.sleep(for: .seconds(seconds - (steadyAfter ?? 0)))
        let span = steady.map { ChildProcess.monotonicSeconds() - $0.at }
        let steadyShare = steady.flatMap { start in running.cpuSecondsSoFar().map { ($0 - start.cpu) / span! } }
        let alongsideShare = steady.flatMap { start in
            start.alongside.flatMap { before in alongside?.cpuSecondsSoFar().map { ($0 - before) / span! } }
        }
        let stoppedAt = Self.wallMicros()
        let measurement = running.finish(signal: SIGTERM)
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { $0.hasPrefix("asset-index/") && $0.hasSuffix(".ndjson") }.map { "\(directory)/\($0)" }
        let written = count(files: files, skippingHeaders: true)
        guard measurement.status == 0, let first = written.firstMicros else {
            throw ValidationError("stream-collector exited with \(measurement.status) or wrote nothing: \((try? String(contentsOfFile: "\(work)/\(name).err", encoding: .utf8)) ?? "")")
        }
        return Run(events: written.lines, wireBytes: written.lines / frames.symbols * frames.template.count, writtenBytes: written.bytes,
                   receivingSeconds: Double(stoppedAt - first) / 1e6, measurement: measurement, steadyCPUShare: steadyShare,
                   alongsideCPUShare: alongsideShare)
    }

    /// Lines (without the `collector.file` headers) and bytes of `files`, read as a stream, and the
    /// earliest `recvTime` of a file's first record: when the receiver began receiving.
    private func count(files: [String], skippingHeaders: Bool) -> (lines: Int, bytes: Int, firstMicros: Int64?) {
        var lines = 0, bytes = 0
        var firstMicros: Int64?
        let key = Array(#""recvTime":""#.utf8)
        for file in files {
            guard let reader = try? DataFileLines(path: file) else { continue }
            while let line = try? reader.next() {
                guard reader.lineNumber == (skippingHeaders ? 2 : 1),
                      let start = line.firstRange(of: key)?.upperBound, line.count >= start + 27,
                      let micros = UTCTime.microseconds(iso8601: UnsafeBufferPointer(rebasing: line[start..<start + 27])) else { continue }
                firstMicros = min(firstMicros ?? micros, micros)
            }
            lines += reader.lineNumber - (skippingHeaders ? 1 : 0)
            bytes += reader.bytesRead
        }
        return (lines, bytes, firstMicros)
    }

    private static func wallMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e6) }

    // MARK: - Report

    private func report(_ runs: [String: [Run]], decode: Double, live: [Run]) {
        let median = BenchReport.median, format = BenchReport.format, verdict = BenchReport.verdict
        func list(_ receiver: Receiver, _ transport: String) -> [Run] { runs["\(receiver.rawValue)/\(transport)"]! }
        func rate(_ receiver: Receiver, _ transport: String) -> Double { median(list(receiver, transport).map(\.eventsPerSecond)) }
        func perMillionEvents(_ seconds: (Run) -> Double, _ list: [Run]) -> Double {
            median(list.map { seconds($0) / max(1e-9, Double($0.events) / 1e6) })
        }
        print("")
        print(row("receiver", "transport", "events/s", "wire MB/s", "NDJSON MB/s", "CPU s/M ev", "server s/M", "busy cores", "peak RSS (heap)"))
        for transport in ["ws", "wss"] {
            for receiver in Receiver.allCases {
                let list = list(receiver, transport)
                let wire = median(list.map { $0.megabytesPerSecond($0.wireBytes) })
                let written = list.first?.writtenBytes == nil ? "-" : format(median(list.map { $0.megabytesPerSecond($0.writtenBytes ?? 0) }))
                let cpu = perMillionEvents(\.measurement.cpuSeconds, list)
                let server = perMillionEvents({ $0.load?.serverCPUSeconds ?? 0 }, list)
                let busy = median(list.map { $0.load?.busyCores ?? 0 })
                let rss = (list.map(\.measurement.peakRSSBytes).max() ?? 0) >> 20
                let heap = (list.map(\.measurement.peakAnonymousBytes).max() ?? 0) >> 20
                print(row(receiver.rawValue, transport, "\(format(rate(receiver, transport) / 1e3)) k", format(wire), written, format(cpu), format(server),
                          format(busy), "\(rss) MiB (\(heap))"))
            }
        }
        print("")
        for transport in ["ws", "wss"] {
            let collector = rate(.collector, transport)
            let toFloor = collector / rate(.floor, transport), toPeer = collector / rate(.peer, transport)
            print("\(transport): stream-collector / floor = \(format(toFloor))× (target ≥ 0.8×: \(verdict(toFloor >= 0.8))); / Python peer = \(format(toPeer))× (target ≥ 3×: \(verdict(toPeer >= 3)))")
        }
        let flood = runs.filter { $0.key.hasPrefix(Receiver.collector.rawValue) }.flatMap(\.value).map(\.measurement)
        let floodRSS = flood.map(\.peakRSSBytes).max() ?? 0, floodHeap = flood.map(\.peakAnonymousBytes).max() ?? 0
        let peerRSS = runs.filter { $0.key.hasPrefix(Receiver.peer.rawValue) }.flatMap(\.value).map(\.measurement.peakRSSBytes).max() ?? 0
        let mebibytes = 1 << 20
        print("stream-collector peak RSS during the flood: \(floodRSS >> 20) MiB, its own heap \(floodHeap >> 20) MiB (target ≤ 25 MiB: \(verdict(floodRSS <= 25 * mebibytes)); below the Python peer's \(peerRSS >> 20) MiB: \(verdict(floodRSS < peerRSS)))")
        let floorWire = median(runs["\(Receiver.floor.rawValue)/ws"]!.map { $0.megabytesPerSecond($0.wireBytes) }) * 1e6
        print("decode only (frames → records, in process): \(format(decode / 1e6)) MB/s = \(format(decode / floorWire))× the floor's wire rate over ws (target ≥ 3×: \(verdict(decode >= 3 * floorWire)))")
        func cpu(_ run: Run) -> (steady: Double, floor: Double, ratio: Double, whole: Double) {
            let steady = (run.steadyCPUShare ?? run.measurement.cpuSeconds / run.measurement.wallSeconds) * 100
            let floorShare = (run.alongsideCPUShare ?? 0) * 100
            return (steady, floorShare, floorShare > 0 ? steady / floorShare : .infinity, run.measurement.cpuSeconds / run.measurement.wallSeconds * 100)
        }
        let percent = { (value: Double) in String(format: "%.3f", value) }
        if let run = live.first {
            let (steady, floorShare, ratio, whole) = cpu(run)
            print("live rate (1 frame/s for \(liveSeconds) s): CPU \(percent(steady)) % of a core once running, the floor's \(percent(floorShare)) % = \(format(ratio))× (target ≤ 3×: \(verdict(ratio <= 3))); \(percent(whole)) % with start-up")
            print("live rate peak RSS: \(run.measurement.peakRSSBytes >> 20) MiB, heap \(run.measurement.peakAnonymousBytes >> 20) (target ≤ 16 MiB: \(verdict(run.measurement.peakRSSBytes <= 16 * mebibytes)))")
        }
        if live.count > 1 {
            let (steady, floorShare, ratio, _) = cpu(live[1])
            print("  the same without the fdatasync each second (fsync_interval_ms: 0, not the default; the floor writes nothing): CPU \(percent(steady)) %, the floor's \(percent(floorShare)) % = \(format(ratio))×")
            let shipped = cpu(live[0])
            let syncing = shipped.steady - steady
            print("  so the fdatasync each second costs \(percent(syncing)) % of a core, \(format(syncing / max(1e-9, shipped.floor)))× the floor's whole CPU at this rate")
        }
    }

    private func row(_ columns: String...) -> String { BenchReport.row(columns, widths: [18, 10, 12, 11, 12, 11, 11, 11, 15]) }
}
