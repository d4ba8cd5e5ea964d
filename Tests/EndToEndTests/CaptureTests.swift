import CollectorTestKit
import Foundation
import MarketServer
import Testing

/// The real daemon against a swift-nio server on 127.0.0.1: every event sent is on disk exactly
/// once, byte-exact, over ws:// and wss://.
@Suite(.serialized) struct CaptureTests {
    static let streams = ["!assetIndex@arr", "!contractInfo", "adausd@assetIndex"]

    func configuration(endpoint: String, extra: String = "") -> String {
        """
        endpoint: \(endpoint)
        streams: ["!assetIndex@arr", "!contractInfo"]
        symbols: [ADAUSD]
        subscribe_interval_ms: 20
        reconnect:
          initial_delay_ms: 100
          max_delay_ms: 1000
        log_level: debug
        \(extra)
        """
    }

    /// Publishes a known set of events (including a message split into 200 continuation frames
    /// ending in an empty one) and returns the lines expected per family.
    func publishKnownEvents(_ server: TestServer, on connection: ServerConnection) async throws -> (assetIndex: [String], contractInfo: [String]) {
        var expectedAssetIndex: [String] = []
        var expectedContractInfo: [String] = []
        let base: Int64 = 1_795_268_300_000
        for tick in 0..<20 {
            let payload = "[" + ["ADAUSD", "BTCUSD", "USDTUSD"].map { Wire.assetIndex($0, eventTime: base + Int64(tick) * 1000, tick: tick) }.joined(separator: ",") + "]"
            #expect(server.hub.publish(stream: "!assetIndex@arr", payload: payload) == 1)
            expectedAssetIndex += Wire.expectedLines(stream: "!assetIndex@arr", payload: payload)
        }
        for tick in 100..<105 {
            let payload = Wire.assetIndex("ADAUSD", eventTime: base + Int64(tick) * 1000, tick: tick)
            server.hub.publish(stream: "adausd@assetIndex", payload: payload)
            expectedAssetIndex += Wire.expectedLines(stream: "adausd@assetIndex", payload: payload)
        }
        for payload in [Wire.contractInfoWithBrackets, Wire.contractInfoMinimal] {
            server.hub.publish(stream: "!contractInfo", payload: payload)
            expectedContractInfo += Wire.expectedLines(stream: "!contractInfo", payload: payload)
        }
        let fragmented = "[" + ["ADAUSD", "BTCUSD", "USDTUSD"].map { Wire.assetIndex($0, eventTime: base + 999_000, tick: 999) }.joined(separator: ",") + "]"
        connection.sendFragmented(text: Array(#"{"stream":"!assetIndex@arr","data":\#(fragmented)}"#.utf8), pieces: 200, emptyFinalFrame: true)
        expectedAssetIndex += Wire.expectedLines(stream: "!assetIndex@arr", payload: fragmented)
        return (expectedAssetIndex, expectedContractInfo)
    }

    func assertCaptured(_ daemon: DaemonProcess, expected: (assetIndex: [String], contractInfo: [String])) async throws {
        let files = DataFiles(directory: daemon.dataDirectory)
        try await eventually("all events on disk") {
            (try? files.lines("asset-index").count) == expected.assetIndex.count
                && (try? files.lines("contract-info").count) == expected.contractInfo.count
        }
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(stopped.seconds < 2.0)
        let assetIndex = try files.lines("asset-index")
        let contractInfo = try files.lines("contract-info")
        #expect(assetIndex.map(Wire.withoutReceiveTime).sorted() == expected.assetIndex.sorted())
        #expect(contractInfo.map(Wire.withoutReceiveTime).sorted() == expected.contractInfo.sorted())
        #expect(Set(assetIndex).count == assetIndex.count)
        // Byte-exact values, checked by hand rather than through the decoder.
        #expect(assetIndex.contains { $0.contains(#""autoExchangeAskRate":"0.28831234567890123456780019""#) })
        #expect(contractInfo.contains { $0.contains(#""maintMarginRatio":0.025,"cum":75"#) })
        #expect(contractInfo.contains { $0.contains(#""status":"PRE_DELIVERING","futuresType":2,"extra":{"new":"kept"}"#) })
        for object in try files.objects("asset-index") {
            #expect((object["recvTime"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil)
        }
        #expect(try files.lines("rejected").isEmpty)
    }

    @Test func capturesEveryEventExactlyOnceOverPlainWebSocket() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "ws://127.0.0.1:\(server.port)/market"))
        let connection = try await server.subscriber(to: Self.streams)
        #expect(connection.path == "/market/stream")
        let expected = try await publishKnownEvents(server, on: connection)
        try await assertCaptured(daemon, expected: expected)
        #expect(daemon.log.contains("all 3 subscriptions acknowledged"))
    }

    /// Every event arrives over wss:// from a server whose certificate a test CA signed, that CA
    /// trusted the way `trust` says: a line of configuration and the daemon's environment.
    func assertCapturesOverTLS(trust: (TestCertificates) throws -> (configuration: String, environment: [String: String])) async throws {
        let certificates = try TestCertificates.make()
        let server = try await TestServer.start(tls: certificates)
        defer { Task { await server.stop() } }
        let (extra, environment) = try trust(certificates)
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "wss://localhost:\(server.port)/market", extra: extra),
                                       environment: environment)
        let connection = try await server.subscriber(to: Self.streams)
        let expected = try await publishKnownEvents(server, on: connection)
        try await assertCaptured(daemon, expected: expected)
    }

    @Test func capturesEveryEventExactlyOnceOverTLSWithATestCA() async throws {
        try await assertCapturesOverTLS { ("tls:\n  ca_file: \($0.caPath)", [:]) }
    }

    /// The system store is trusted through its hashed directory, one root at a time as a
    /// handshake needs it (the system's bundle, the same roots in one file, is not parsed at
    /// start): a CA found only in that directory is trusted.
    @Test func trustsTheSystemStoreThroughItsHashedDirectory() async throws {
        // SSL_CERT_FILE: OpenSSL's default bundle on Debian (OPENSSLDIR is /usr/lib/ssl), the system's own.
        try await assertCapturesOverTLS { ("", ["SSL_CERT_DIR": try $0.systemStore(), "SSL_CERT_FILE": "/usr/lib/ssl/cert.pem"]) }
    }

    /// A bundle that is not the system's own, named by SSL_CERT_FILE, is trusted as OpenSSL
    /// would trust it, also when the store's directory holds nothing.
    @Test func trustsABundleNamedBySSLCertFile() async throws {
        try await assertCapturesOverTLS { ("", ["SSL_CERT_DIR": try $0.systemStore(empty: true), "SSL_CERT_FILE": $0.caPath]) }
    }

    @Test func refusesAnUntrustedCertificateAndWritesNothing() async throws {
        let certificates = try TestCertificates.make()
        let server = try await TestServer.start(tls: certificates)
        defer { Task { await server.stop() } }
        let daemon = try DaemonProcess(configuration: configuration(endpoint: "wss://localhost:\(server.port)/market"))
        try await eventually("two refused TLS attempts in the log") {
            daemon.log.components(separatedBy: "failed to connect").count > 2
        }
        #expect(server.hub.connections.isEmpty)
        #expect(daemon.isRunning)
        let stopped = try await daemon.terminate()
        #expect(stopped.status == 0)
        #expect(DataFiles(directory: daemon.dataDirectory).allFiles.isEmpty)
    }
}
