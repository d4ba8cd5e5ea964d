import ArgumentParser
import Collector

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration (file plus environment) and print every key's value in effect.",
        discussion: "Exit status 0 when valid, 78 when not (the message names the key, the value and what is expected).")

    @Option(name: .long, help: "Configuration file (YAML or JSON).")
    var config: String?

    @Flag(help: "Print nothing when the configuration is valid (the systemd unit checks it before every start).")
    var quiet = false

    func run() async throws {
        let c = try loadConfiguration(config)
        guard !quiet else { return }
        var lines = [
            "configuration is valid",
            "connects to \(c.endpoint)/stream: \(c.allStreams.count) streams on \((c.allStreams.count + c.streamsPerConnection - 1) / c.streamsPerConnection) connection(s): \(c.allStreams.joined(separator: ", "))",
        ]
        for entry in c.keyReport {
            lines.append("\(entry.key): \(entry.value)    # \(entry.help)")
        }
        print(lines.joined(separator: "\n"))
    }
}
