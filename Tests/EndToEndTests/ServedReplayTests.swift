import Clocks
import Foundation
import MarketDecoding
import RecordStorage
import Testing

/// `replay --serve` with a replay per connection, driven by WebSocket clients of the test's own
/// (swift-nio): consumers that connect apart, choose a window in their URL, come twenty at once,
/// or stop reading at the close — each gets its whole recording, once.
@Suite(.serialized) struct ServedReplayTests {
    /// Forty seconds from 13:38:20: each second an `!assetIndex@arr` frame (BTCUSD, ETHUSD, ADAUSD)
    /// and a `btcusd@assetIndex` and an `ethusd@assetIndex` frame.
    static let start: Int64 = 1_795_268_300_000_000
    static let seconds = 40

    /// A recording written by the real decoder and store.
    static func record(_ directory: String, seconds: Int = seconds) throws {
        let store = try RecordStore(configuration: StorageConfiguration(directory: directory)) { _ in }
        let decoder = FrameDecoder(maximumFrameBytes: 1 << 20)
        for second in 0..<seconds {
            let micros = start + Int64(second) * 1_000_000
            let eventTime = micros / 1000
            func event(_ symbol: String) -> String { #"{"e":"assetIndexUpdate","E":\#(eventTime),"s":"\#(symbol)","i":"\#(second).5"}"# }
            let frames = [
                #"{"stream":"!assetIndex@arr","data":[\#(event("BTCUSD")),\#(event("ETHUSD")),\#(event("ADAUSD"))]}"#,
                #"{"stream":"btcusd@assetIndex","data":\#(event("BTCUSD"))}"#,
                #"{"stream":"ethusd@assetIndex","data":\#(event("ETHUSD"))}"#,
            ]
            for (offset, text) in frames.enumerated() {
                let received = micros + Int64(offset) * 100
                let records = decoder.decode(InboundFrame(payload: Array(text.utf8), isBinary: false, receivedAtMicros: received, source: "test")).records
                store.append(records, now: Moment(wallMicros: received, monotonicNanos: received * 1000))
            }
        }
        store.close()
    }

    /// `stream-collector replay --serve` on a free port.
    static func serve(_ directory: String, _ options: [String]) async throws -> ServingProcess {
        try await ServingProcess(["replay", "--data-dir", directory, "--serve", "127.0.0.1:0"] + options)
    }

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString)").path

    /// The event times a client got on `stream`, in order.
    static func eventTimes(_ frames: [String], stream: String) -> [Int64] {
        frames.compactMap { frame -> [Int64]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [String: Any],
                  object["stream"] as? String == stream else { return nil }
            let data = object["data"]
            let events = (data as? [[String: Any]]) ?? [(data as? [String: Any]) ?? [:]]
            return events.compactMap { ($0["E"] as? NSNumber)?.int64Value }
        }.flatMap { $0 }
    }

    static var everySecond: [Int64] { (0..<Int64(seconds)).map { (start / 1000) + $0 * 1000 } }

    @Test func twoConsumersThreeSecondsApartEachGetTheirWholeRecording() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.record(directory)
        // Subscriptions settle 2 s after the first: 0.3 s apart below, with room for a loaded machine.
        let served = try await Self.serve(directory, ["--speed", "10", "--settle", "2"])
        let port = try #require(served.port)
        let first = try await WebSocketTestClient.connect(port: port, path: "/market/stream")
        first.send(#"{"method":"SUBSCRIBE","params":["btcusd@assetIndex"],"id":1}"#)
        try await Task.sleep(for: .seconds(3))
        // A library that subscribes its streams half a second apart still gets both from the start.
        let second = try await WebSocketTestClient.connect(port: port, path: "/market/stream")
        second.send(#"{"method":"SUBSCRIBE","params":["ethusd@assetIndex"],"id":"a"}"#)
        try await Task.sleep(for: .seconds(0.3))
        second.send(#"{"method":"SUBSCRIBE","params":["!assetIndex@arr"],"id":null}"#)
        try await eventually("both replays closed with 1000", within: 30) { first.closeCode == 1000 && second.closeCode == 1000 }
        #expect(Self.eventTimes(first.frames, stream: "btcusd@assetIndex") == Self.everySecond)
        #expect(Self.eventTimes(first.frames, stream: "ethusd@assetIndex").isEmpty)
        #expect(Self.eventTimes(second.frames, stream: "ethusd@assetIndex") == Self.everySecond)
        #expect(Self.eventTimes(second.frames, stream: "!assetIndex@arr") == Self.everySecond.flatMap { [$0, $0, $0] })
        #expect(first.frames.first == #"{"result":null,"id":1}"#)
        #expect(served.process.isRunning, "the server goes on serving after its connections finished")
        served.process.interrupt()
        try await eventually("the server to stop on SIGINT") { !served.process.isRunning }
        #expect(served.process.terminationStatus == 0)
    }

    @Test func aConsumerGetsExactlyTheWindowItsURLAsksFor() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.record(directory)
        let served = try await Self.serve(directory, ["--speed", "1"])
        let port = try #require(served.port)
        let from = UTCTime(microsecondsSinceEpoch: Self.start + 10_000_000).iso8601
        let to = UTCTime(microsecondsSinceEpoch: Self.start + 20_000_000).iso8601
        let client = try await WebSocketTestClient.connect(port: port, path: "/market/stream?streams=btcusd@assetIndex&from=\(from)&to=\(to)&speed=max")
        try await eventually("the window replayed and closed", within: 20) { client.closeCode == 1000 }
        #expect(Self.eventTimes(client.frames, stream: "btcusd@assetIndex") == Array(Self.everySecond[10..<20]))

        // A bad value is refused before the upgrade, naming the parameter.
        let refused = try await WebSocketTestClient.connect(port: port, path: "/market/stream?streams=btcusd@assetIndex&speed=fast")
        try await eventually("the refusal") { refused.refusal?.body.isEmpty == false }
        #expect(refused.refusal?.status == 400)
        #expect(refused.refusal?.body.contains("'speed' parameter") == true, "\(refused.refusal?.body ?? "")")
    }

    @Test func moreConsumersThanAllowedAreAnswered503() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.record(directory)
        let served = try await Self.serve(directory, ["--speed", "1", "--max-connections", "2"])
        let port = try #require(served.port)
        let clients = [try await WebSocketTestClient.connect(port: port, path: "/market/ws/btcusd@assetIndex"),
                       try await WebSocketTestClient.connect(port: port, path: "/market/ws/btcusd@assetIndex")]
        let third = try await WebSocketTestClient.connect(port: port, path: "/market/ws/btcusd@assetIndex")
        try await eventually("the refusal") { third.refusal != nil }
        #expect(third.refusal?.status == 503)
        #expect(served.log.contains("refused a connection: 2 are being served (--max-connections)"))
        try await eventually("raw-stream payloads arrive", within: 10) { !clients[0].frames.isEmpty }
        #expect(clients[0].frames.first?.hasPrefix(#"{"e":"assetIndexUpdate""#) == true, "a /ws/ connection gets bare payloads")
        for client in clients { client.close() }
    }

    /// A client library that stops reading once the closing handshake starts drops what it has not
    /// yet handed to its caller; the grace before the close lets it take the last frame. Without
    /// the grace the same client loses the tail.
    @Test(arguments: [(grace: "2", keepsEverything: true), (grace: "0", keepsEverything: false)])
    func aConsumerThatStopsAtTheCloseStillHasTheLastFrame(grace: String, keepsEverything: Bool) async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.record(directory)
        let served = try await Self.serve(directory, ["--speed", "max", "--close-grace", grace])
        let port = try #require(served.port)
        let client = try await WebSocketTestClient.connect(port: port, path: "/market/ws/btcusd@assetIndex", consumeDelay: .milliseconds(20))
        try await eventually("the close", within: 20) { client.closeCode == 1000 }
        try await Task.sleep(for: .milliseconds(300))
        let times = client.frames.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { ($0["E"] as? NSNumber)?.int64Value }
        if keepsEverything {
            #expect(times == Self.everySecond, "every frame, the last one included")
        } else {
            #expect(times.count < Self.seconds, "without a grace the tail is lost: the grace is what keeps it")
        }
    }

    @Test func twentyConsumersAtFullSpeedAllFinishWithoutTheMemoryGrowing() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.record(directory, seconds: 1200)
        let served = try await Self.serve(directory, ["--speed", "max"])
        let port = try #require(served.port)
        let single = try await WebSocketTestClient.connect(port: port, path: "/market/stream?streams=!assetIndex@arr")
        try await eventually("one replay", within: 60) { single.closeCode == 1000 }
        let afterOne = served.peakKiB
        var clients: [WebSocketTestClient] = []
        for _ in 0..<20 {
            clients.append(try await WebSocketTestClient.connect(port: port, path: "/market/stream?streams=!assetIndex@arr/btcusd@assetIndex"))
        }
        try await eventually("twenty replays", within: 120) { clients.allSatisfy { $0.closeCode == 1000 } }
        for client in clients {
            #expect(Self.eventTimes(client.frames, stream: "btcusd@assetIndex").count == 1200)
            #expect(Self.eventTimes(client.frames, stream: "!assetIndex@arr").count == 3600)
        }
        let afterTwenty = served.peakKiB
        // Each connection reads the files streaming with small buffers: a few MiB each at most.
        #expect(afterTwenty - afterOne < 20 * 4096, "peak RSS \(afterOne) KiB with one replay, \(afterTwenty) KiB with twenty at once")
    }
}
