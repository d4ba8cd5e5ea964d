import ArgumentParser
import FoundationEssentials
import MarketDecoding
import StreamVerification

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every file of an output directory and report what is wrong.",
        discussion: """
            Checks each .ndjson and .ndjson.gz file: readable, gzip data intact, a collector.file header first \
            (family, schemaVersion, date/hour matching its folder), whole lines, valid JSON, each record valid \
            for its type and family with recvTime inside the file's hour. Reports unterminated fragments, \
            rejected frames (by reason), recorded gaps, and the seconds in which a symbol has no \
            assetIndexUpdate (the asset index ticks every second), merged into ranges and marked when a \
            recorded gap explains them. Notes where recvTime goes back within a file (the host's wall \
            clock was stepped back; the lines are still in the order received), without failing. \
            Reports each stream's lag, recvTime minus eventTime (percentiles 50/90/99 and the range, \
            in ms), a measurement that never fails the check. Never writes anything.

            Exit codes: 0 nothing found; 1 something found; 64 bad arguments; 66 the directory is missing or unreadable.
            """)

    @Option(name: .customLong("data-dir"), help: "The collector's output directory.")
    var dataDirectory: String

    @Flag(help: "Print one machine-readable JSON summary instead of text.")
    var json = false

    func run() throws {
        let audit: DataAudit
        do {
            audit = try DataAudit(directory: dataDirectory)
        } catch {
            print("stream-collector verify: \(error)")
            throw ExitCode(66)
        }
        print(json ? Self.json(audit) : Self.text(audit))
        if !audit.isClean { throw ExitCode(1) }
    }

    private static func text(_ audit: DataAudit) -> String {
        var lines = ["\(audit.directory): \(audit.files) files (\(audit.compressedFiles) compressed), \(audit.lines) lines, \(audit.bytes) bytes, \(audit.symbols) asset-index symbols"]
        for problem in audit.problems {
            lines.append("\(problem.kind): \(problem.file)\(problem.line.map { ":\($0)" } ?? ""): \(problem.detail)")
        }
        if audit.problemCount > audit.problems.count { lines.append("… and \(audit.problemCount - audit.problems.count) more problems") }
        for (reason, count) in audit.rejectedByReason.sorted(by: { $0.key < $1.key }) {
            lines.append("rejected frames: \(count) \(reason)")
        }
        for gap in audit.gaps {
            lines.append("gap: \(time(gap.fromMicros)) to \(time(gap.toMicros)) (\(gap.reason); \(gap.streams.joined(separator: ", "))) recorded at \(gap.file):\(gap.line)")
        }
        // Symbols missing the same seconds (the whole feed stopped) are listed on one line.
        var order: [String] = []
        var symbolsByHole: [String: [String]] = [:]
        for hole in audit.missing {
            let key = "\(second(hole.fromSecond)) to \(second(hole.toSecond)) (\(hole.seconds) s\(hole.insideGap ? ", inside a recorded gap" : ", not explained by any gap record"))"
            if symbolsByHole[key] == nil { order.append(key) }
            symbolsByHole[key, default: []].append(hole.symbol)
        }
        for key in order {
            let symbols = symbolsByHole[key]!
            let named = symbols.count <= 6 ? symbols.joined(separator: " ") : symbols.prefix(5).joined(separator: " ") + " and \(symbols.count - 5) more"
            lines.append("missing seconds: \(named) \(key)")
        }
        for step in audit.clockSteps {
            lines.append("clock step: recvTime goes back \(SecondsText.milliseconds(-step.seconds)) s at \(step.file):\(step.line) (the host's wall clock was stepped back; the lines are in the order received)")
        }
        let streams = audit.lagByStream.sorted { $0.key < $1.key }
        if !streams.isEmpty { lines.append("lag (recvTime − eventTime) by stream, ms:") }
        for (stream, lag) in streams.prefix(Self.lagLinesShown) {
            lines.append("  \(stream): \(lag.events) events, p50 \(lag.percentileMillis(0.5)!), p90 \(lag.percentileMillis(0.9)!), p99 \(lag.percentileMillis(0.99)!), min \(millis(lag.minimumMicros)), max \(millis(lag.maximumMicros))")
        }
        if streams.count > Self.lagLinesShown { lines.append("  … and \(streams.count - Self.lagLinesShown) more streams (--json lists them all)") }
        let findings = audit.problemCount + audit.gaps.count + audit.missing.count + audit.rejectedByReason.values.reduce(0, +)
        lines.append(audit.isClean ? "OK: nothing wrong found" : "FAILED: \(findings) findings")
        return lines.joined(separator: "\n")
    }

    private static func json(_ audit: DataAudit) -> String {
        var object = JSONLineBuilder(capacity: 4096)
        object.string("directory", audit.directory)
        object.bool("ok", audit.isClean)
        object.integer("files", audit.files)
        object.integer("compressedFiles", audit.compressedFiles)
        object.integer("lines", audit.lines)
        object.integer("bytes", audit.bytes)
        object.integer("symbols", audit.symbols)
        object.integer("problemCount", audit.problemCount)
        object.raw("problems", list(audit.problems) { problem in
            var entry = JSONLineBuilder(capacity: 256)
            entry.string("kind", problem.kind)
            entry.string("file", problem.file)
            if let line = problem.line { entry.integer("line", line) }
            entry.string("detail", problem.detail)
            return entry.finishedObject()
        })
        object.object("rejectedFrames") { rejected in
            for (reason, count) in audit.rejectedByReason.sorted(by: { $0.key < $1.key }) { rejected.integer(reason, count) }
        }
        object.raw("gaps", list(audit.gaps) { gap in
            var entry = JSONLineBuilder(capacity: 256)
            entry.string("from", time(gap.fromMicros))
            entry.string("to", time(gap.toMicros))
            entry.string("reason", gap.reason)
            entry.raw("streams", list(gap.streams) { name in
                var quoted: [UInt8] = []
                JSONLineBuilder.appendEscaped(name, to: &quoted)
                return quoted
            })
            entry.string("file", gap.file)
            entry.integer("line", gap.line)
            return entry.finishedObject()
        })
        object.integer("missingSeconds", audit.missing.reduce(0) { $0 + Int($1.seconds) })
        object.raw("missing", list(audit.missing) { hole in
            var entry = JSONLineBuilder(capacity: 160)
            entry.string("symbol", hole.symbol)
            entry.string("from", second(hole.fromSecond))
            entry.string("to", second(hole.toSecond))
            entry.integer("seconds", hole.seconds)
            entry.bool("insideGap", hole.insideGap)
            return entry.finishedObject()
        })
        object.raw("clockSteps", list(audit.clockSteps) { step in
            var entry = JSONLineBuilder(capacity: 160)
            entry.string("kind", "clock-step")
            entry.string("file", step.file)
            entry.integer("line", step.line)
            entry.raw("seconds", Array(SecondsText.milliseconds(step.seconds).utf8))
            return entry.finishedObject()
        })
        object.object("lag") { lags in
            for (stream, lag) in audit.lagByStream.sorted(by: { $0.key < $1.key }) {
                lags.object(stream) { entry in
                    entry.integer("events", lag.events)
                    entry.integer("p50Ms", Int(lag.percentileMillis(0.5)!))
                    entry.integer("p90Ms", Int(lag.percentileMillis(0.9)!))
                    entry.integer("p99Ms", Int(lag.percentileMillis(0.99)!))
                    entry.raw("minMs", Array(millis(lag.minimumMicros).utf8))
                    entry.raw("maxMs", Array(millis(lag.maximumMicros).utf8))
                }
            }
        }
        return String(decoding: object.finishedObject(), as: UTF8.self)
    }

    /// Streams whose lag the text report lists (a collector of every symbol has hundreds).
    private static let lagLinesShown = 20

    /// µs as ms with three decimals.
    private static func millis(_ micros: Int64) -> String {
        SecondsText.milliseconds(Double(micros) / 1000)
    }

    private static func list<Element>(_ elements: [Element], _ encode: (Element) -> [UInt8]) -> [UInt8] {
        [UInt8(ascii: "[")] + elements.map(encode).joined(separator: [UInt8(ascii: ",")]) + [UInt8(ascii: "]")]
    }

    private static func time(_ micros: Int64) -> String { UTCTime(microsecondsSinceEpoch: micros).iso8601 }

    private static func second(_ second: Int64) -> String {
        String(UTCTime(microsecondsSinceEpoch: second * 1_000_000).iso8601.prefix(19)) + "Z"
    }
}
