import CollectorTestKit
import HTTPServing
import MarketServer
import Synchronization

/// Chooses and applies random faults: to live connections through the hub, to new connection
/// attempts through `admission`, and to REST requests through `restAnswer`.
final class FaultInjector: Sendable {
    enum Fault: String, CaseIterable {
        case dropTCP = "drop-tcp", close1000 = "close-1000", close1001 = "close-1001", close1008 = "close-1008"
        case close1011 = "close-1011", silence, refuseAttempts = "refuse-attempts", stallHandshake = "stall-handshake"
        case reject429 = "reject-429", reject503 = "reject-503", malformedFrames = "malformed-frames"
        case hugeFrame = "5mb-frame", fragmentedFrame = "fragmented-frame"
    }

    private let admissions = Mutex<[Admission]>([])
    private let log = Mutex<[Fault]>([])
    private let restCalls = Mutex(0)

    var injected: [Fault] { log.withLock { $0 } }

    var summary: String {
        Dictionary(grouping: injected, by: \.rawValue).map { "\($0.key)×\($0.value.count)" }.sorted().joined(separator: " ")
    }

    /// Serves connection attempts, consuming queued faults first.
    @Sendable func admission() -> Admission {
        admissions.withLock { $0.isEmpty ? .accept : $0.removeFirst() }
    }

    /// Every fourth REST request is rate-limited; the others get a two-element snapshot.
    @Sendable func restAnswer(_ request: PlainHTTPRequest) -> HTTPAnswer {
        guard request.path == "/fapi/v1/assetIndex" else { return .notFound }
        let call = restCalls.withLock { $0 += 1; return $0 }
        if call % 4 == 0 { return HTTPAnswer(status: 429, headers: [("Retry-After", "1")]) }
        return .json(#"[{"symbol":"ADAUSD","time":1,"index":"0.27"},{"symbol":"BTCUSD","time":1,"index":"91235.46922539"}]"#)
    }

    func stop() {
        admissions.withLock { $0.removeAll() }
    }

    /// The first faults are the memory-hungry frames (the 5 MB one twice in a row, the most that
    /// is ever in flight), so that warm-up reaches the steady heap size.
    private let opening = Mutex<[Fault]>([.hugeFrame, .fragmentedFrame, .malformedFrames, .hugeFrame])
    private let hugeFramesAtOnce = Mutex(2)

    func injectRandom(into hub: MarketHub) {
        let fault = opening.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? Fault.allCases.randomElement()!
        guard let connection = hub.connections.randomElement()?.connection else { return }
        log.withLock { $0.append(fault) }
        switch fault {
        case .dropTCP: connection.abort()
        case .close1000: connection.close(code: 1000, reason: "soak")
        case .close1001: connection.close(code: 1001, reason: "going away")
        case .close1008: connection.close(code: 1008, reason: "Too many requests")
        case .close1011: connection.close(code: 1011, reason: "internal error")
        case .silence: hub.silence(connection)
        case .refuseAttempts:
            admissions.withLock { $0 = [.refuse, .refuse] }
            connection.abort()
        case .stallHandshake:
            admissions.withLock { $0 = [.stall] }
            connection.abort()
        case .reject429:
            admissions.withLock { $0 = [.reject(status: 429, retryAfterSeconds: 1)] }
            connection.close(code: 1001, reason: "going away")
        case .reject503:
            admissions.withLock { $0 = [.reject(status: 503, retryAfterSeconds: nil)] }
            connection.abort()
        case .malformedFrames:
            connection.send(text: "{not json")
            connection.send(frame: .binary, payload: [0, 1, 2])
            connection.send(frame: .text, payload: [0x22, 0xC3, 0x28, 0x22])
        case .hugeFrame:
            let copies = hugeFramesAtOnce.withLock { copies in
                defer { copies = 1 }
                return copies
            }
            let frame = #"{"stream":"!contractInfo","data":{"e":"contractInfo","E":1,"s":"X","pad":""# + String(repeating: "x", count: 5 << 20) + #""}}"#
            for _ in 0..<copies { connection.send(text: frame) }
        case .fragmentedFrame:
            let event = SequencedFeed.event(symbol: "FRAGUSD", eventTime: 1, tick: 1)
            connection.sendFragmented(text: Array(#"{"stream":"!assetIndex@arr","data":[\#(event)]}"#.utf8), pieces: 400, emptyFinalFrame: true)
        }
    }
}
