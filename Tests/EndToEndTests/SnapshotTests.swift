import CollectorTestKit
import Foundation
import HTTPServing
import MarketServer
import Synchronization
import StreamVerification
import Testing

/// After a gap the collector fetches `GET /fapi/v1/assetIndex` once, honouring 429 and 418.
@Suite(.serialized) struct SnapshotTests {
    static let body = #"[{"symbol":"ADAUSD","time":1635740268004,"index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"},{"symbol":"BTCUSD","time":1635740268004,"index":"91235.46922539","extra":12345678901234567890123}]"#

    /// 429 (too many requests) and 418 (IP banned) both make it wait `Retry-After`.
    @Test(arguments: [429, 418])
    func aGapIsFollowedByOneSnapshotAfterWaitingRetryAfter(refusal: Int) async throws {
        let requests = Mutex<[(uri: String, at: Date)]>([])
        let server = try await TestServer.start(answer: { request in
            let count = requests.withLock { $0.append((request.uri, Date())); return $0.count }
            return count == 1 ? HTTPAnswer(status: refusal, headers: [("Retry-After", "2")]) : .json(Self.body)
        })
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: FaultInjectionTests.configuration(port: server.port),
                                       environment: ["STREAM_COLLECTOR_REST_ENDPOINT": "http://127.0.0.1:\(server.port)"])
        let first = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the feed to reach the daemon") { feed.count > 5 }
        #expect(requests.withLock { $0.isEmpty }, "no gap yet, so no snapshot")
        first.abort()
        _ = try await server.subscriber(to: FaultInjectionTests.streams, otherThan: first)
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("the snapshot on disk", within: 20) {
            (try? files.lines("rest-asset-index").contains { $0.contains("assetIndexSnapshot") }) == true
        }
        _ = feed.stop()
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)

        let seen = requests.withLock { $0 }
        #expect(seen.map(\.uri) == ["/fapi/v1/assetIndex", "/fapi/v1/assetIndex"], "one refusal, then one success")
        if seen.count == 2 { #expect(seen[1].at.timeIntervalSince(seen[0].at) >= 1.9, "Retry-After: 2 was honoured") }
        let gap = try #require(try files.objects("asset-index").first { $0["type"] as? String == "collector.gap" })
        let snapshots = try files.objects("rest-asset-index")
        #expect(snapshots.count == 2 && snapshots.allSatisfy { ($0["recvTime"] as? String ?? "") > (gap["to"] as? String ?? "~") },
                "the snapshot follows the gap")
        let lines = try files.lines("rest-asset-index")
        #expect(lines.first.map(Wire.withoutReceiveTime) == #"{"type":"assetIndexSnapshot","stream":"rest:/fapi/v1/assetIndex","eventTime":1635740268004,"symbol":"ADAUSD","index":"1.92957370","bidBuffer":"0.10000000","askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107","autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000","autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}"#)
        #expect(lines.last?.contains(#""extra":12345678901234567890123"#) == true, "values verbatim")
        #expect(daemon.log.contains("answered \(refusal)"))
    }

    @Test func anUnresolvableRestHostIsRetriedWhileTheStreamsKeepFlowing() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: FaultInjectionTests.configuration(port: server.port),
                                       environment: ["STREAM_COLLECTOR_REST_ENDPOINT": "https://no-such-host.invalid"])
        let first = try await server.subscriber(to: FaultInjectionTests.streams)
        let feed = SequencedFeed(hub: server.hub)
        try await eventually("the feed to reach the daemon") { feed.count > 5 }
        first.abort()
        _ = try await server.subscriber(to: FaultInjectionTests.streams, otherThan: first)
        try await eventually("the failed lookup logged") { daemon.log.contains("did not resolve") }
        let count = feed.count
        try await eventually("more events") { feed.count > count + 10 }
        let (_, result) = try await finishRun(feed, daemon)
        #expect(result.lostUnmarked.isEmpty && result.duplicated.isEmpty, "\(result)")
    }
}
