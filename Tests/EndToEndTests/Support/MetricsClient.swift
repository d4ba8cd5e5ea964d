import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One answer of the daemon's metrics endpoint.
struct Scrape {
    let status: Int
    let body: String

    /// The value of the series `name{labels}` (or `name` alone), if present.
    func value(_ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// The series names exported (`name` of every `name{labels} value` line).
    var names: Set<String> {
        Set(body.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.prefix { $0 != "{" && $0 != " " }) })
    }

    /// The label names of each series called `name`, e.g. `[["stream"]]`.
    func labelNames(of name: String) -> Set<Set<String>> {
        Set(body.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }.map { line in
            Scrape.labelNames(String(line.prefix { $0 != " " }))
        })
    }

    /// The label names of a series written `name{a="x",b="y"}`.
    static func labelNames(_ series: String) -> Set<String> {
        Set(series.matches(of: /([a-z_]+)="/).map { String($0.output.1) })
    }

    /// GET `path` from the metrics endpoint on `port`.
    static func get(_ port: Int, _ path: String) async throws -> Scrape {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return Scrape(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
    }
}

extension DaemonProcess {
    /// The environment that puts the metrics endpoint on a free port (read it with `metricsPort`).
    static let metricsOnAnyPort = ["STREAM_COLLECTOR_METRICS_LISTEN": "127.0.0.1:0"]

    /// The port the metrics endpoint bound, from the daemon's log.
    func metricsPort() async throws -> Int {
        var port = 0
        try await eventually("the metrics address in the log") {
            guard let match = log.firstMatch(of: /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/) else { return false }
            port = Int(match.1) ?? 0
            return true
        }
        return port
    }
}
