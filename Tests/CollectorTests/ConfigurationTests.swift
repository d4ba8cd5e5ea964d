import Foundation
import Testing
import YAMLReader
@testable import Collector

@Suite struct ConfigurationTests {
    @Test func theDocumentedDefaultFileIsValidAndMatchesTheBuiltInDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/stream-collector.yaml").path
        let fromFile = try ConfigurationLoader.load(path: path, environment: [:])
        let builtIn = try ConfigurationLoader.parse(yaml: "")
        #expect(fromFile == builtIn)
        #expect(builtIn.endpoint == "wss://fstream.binance.com/market")
        #expect(builtIn.allStreams == ["!assetIndex@arr", "!contractInfo"])
        #expect(builtIn.storage.rotateSeconds == 3600)
    }

    /// A key is declared once (`ConfigurationKey.all`); the documented file and the README's table
    /// must name every one of them, and nothing else.
    @Test func everyDeclaredKeyIsDocumentedInTheDefaultFileAndTheReadme() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        let file = try String(contentsOf: root.appendingPathComponent("config/stream-collector.yaml"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        func keys(_ node: YAMLNode, _ prefix: String) -> [String] {
            (node.mapping ?? []).flatMap { pair -> [String] in
                let name = prefix + (pair.key.scalar?.string ?? "")
                return pair.value.mapping == nil ? [name] : keys(pair.value, name + ".")
            }
        }
        let written = keys(try #require(try YAMLNode.compose(yaml: file)), "")
        let declared = ConfigurationKey.all.map(\.name)
        #expect(Set(written) == Set(declared), "config/stream-collector.yaml names every key, and no other")
        for key in declared {
            let last = key.split(separator: ".").last.map(String.init) ?? key
            #expect(readme.contains("| `\(key)`") || readme.contains("/ `\(last)`") || readme.contains("`\(key)` /"), "the README's table has \(key)")
        }
    }

    @Test func theDemoFileIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/demo.yaml").path
        let demo = try ConfigurationLoader.load(path: path, environment: [:])
        #expect(demo.endpoint == "ws://127.0.0.1:9443/market")
        #expect(demo.allStreams == ["!assetIndex@arr", "!contractInfo", "adausd@assetIndex", "btcusd@assetIndex"])
    }

    @Test func jsonTextIsAcceptedAndSymbolsAreLowercased() throws {
        let configuration = try ConfigurationLoader.parse(yaml: #"{"symbols": ["ADAUSD", "btcusd"], "output": {"directory": "/tmp/x"}}"#)
        #expect(configuration.allStreams == ["!assetIndex@arr", "!contractInfo", "adausd@assetIndex", "btcusd@assetIndex"])
        #expect(configuration.storage.directory == "/tmp/x")
    }

    @Test func environmentOverridesEveryKind() throws {
        let configuration = try ConfigurationLoader.parse(yaml: "output:\n  rotate_bytes: 100000\n", environment: [
            "STREAM_COLLECTOR_OUTPUT_ROTATE_BYTES": "200000",
            "STREAM_COLLECTOR_SYMBOLS": "adausd, ethusd",
            "STREAM_COLLECTOR_ENDPOINT": "ws://127.0.0.1:1/market/",
            "STREAM_COLLECTOR_STALE_AFTER_SECONDS": "5",
        ])
        #expect(configuration.storage.rotateBytes == 200000)
        #expect(configuration.symbols == ["adausd", "ethusd"])
        #expect(configuration.endpoint == "ws://127.0.0.1:1/market")
        #expect(configuration.staleAfterSeconds == 5)
    }

    @Test func wholeNumbersMayGroupTheirDigits() throws {
        let configuration = try ConfigurationLoader.parse(yaml: "inflight_bytes: 1_048_576\n",
                                                          environment: ["STREAM_COLLECTOR_OUTPUT_ROTATE_BYTES": "200_000"])
        #expect(configuration.inflightBytes == 1_048_576)
        #expect(configuration.storage.rotateBytes == 200_000)
    }

    @Test(arguments: [
        ("outptu:\n  directory: /x\n", ConfigurationError.unknownKey("outptu")),
        ("output:\n  rotate_byte: 5\n", .unknownKey("output.rotate_byte")),
        ("output:\n  rotate_bytes: lots\n", .invalid(key: "output.rotate_bytes", value: "lots", expected: "a whole number from 4096 to 1099511627776")),
        ("endpoint: https://fstream.binance.com\n", .invalid(key: "endpoint", value: "https://fstream.binance.com", expected: "a ws:// or wss:// URL such as wss://fstream.binance.com/market")),
        ("symbols: [\"../etc\"]\n", .invalid(key: "symbols", value: "../etc", expected: "a symbol of letters, digits and '_', such as ADAUSD")),
        ("tls:\n  ca_file: /nonexistent.pem\n", .invalid(key: "tls.ca_file", value: "/nonexistent.pem", expected: "a readable PEM file (or empty for the system store only)")),
        ("streams: []\n", .invalid(key: "streams", value: "[]", expected: "at least one stream, or at least one symbol")),
        ("streams: \"!assetIndex@arr\"\n", .invalid(key: "streams", value: "!assetIndex@arr", expected: "a list, e.g. [\"a\", \"b\"]")),
    ])
    func badValuesNameTheKeyTheValueAndTheExpectation(yaml: String, expected: ConfigurationError) {
        #expect(throws: expected) { try ConfigurationLoader.parse(yaml: yaml) }
    }

    @Test func pingMustBeBelowHangup() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml: "validity:\n  ping_after_seconds: 40\n  hangup_after_seconds: 40\n")
        }
    }

    @Test func streamNamesAndSymbolsWithPathOrControlCharactersAreRefused() {
        for bad in ["a/b", "..", "x\u{0}y", "tab\tname", String(repeating: "a", count: 101)] {
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml: #"{"streams": ["\#(bad.replacingOccurrences(of: "\u{0}", with: "\\u0000").replacingOccurrences(of: "\t", with: "\\t"))"]}"#) }
        }
        for bad in ["../adausd", "a/b", "ada.usd", "", String(repeating: "a", count: 41)] {
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml: #"{"symbols": ["\#(bad)"]}"#) }
        }
    }

    @Test func backoffGrowsWithJitterUpToItsCapAndResets() {
        var backoff = Backoff(initialMilliseconds: 500, maximumMilliseconds: 30_000)
        let delays = (0..<10).map { _ in backoff.nextDelayMilliseconds() }
        #expect((250...500).contains(delays[0]))
        #expect((500...1000).contains(delays[1]))
        #expect((1000...2000).contains(delays[2]))
        #expect(delays[9] <= 30_000 && delays[9] >= 15_000)
        backoff.reset()
        #expect((250...500).contains(backoff.nextDelayMilliseconds()))
    }
}
