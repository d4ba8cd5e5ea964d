@testable import Collector
import Testing

/// How a reload spreads streams over connections: the streams a connection keeps stay on it,
/// new ones fill connections with room first, connections left empty are closed.
struct ReloadPlanTests {
    @Test func keptStreamsStayWhereTheyAreAndNewOnesFillRoomFirst() {
        let plan = CollectorService.reassign(["a", "c", "d", "e", "f"], over: [["a", "b"], ["c"]], limit: 2)
        #expect(plan.existing == [["a", "d"], ["c", "e"]])
        #expect(plan.added == [["f"]])
    }

    @Test func aConnectionWhoseStreamsAreAllRemovedIsEmptied() {
        let plan = CollectorService.reassign(["c", "x"], over: [["a", "b"], ["c"]], limit: 5)
        #expect(plan.existing == [[], ["c", "x"]])
        #expect(plan.added.isEmpty)
    }

    @Test func newStreamsBeyondEveryConnectionsRoomGetNewConnections() {
        let plan = CollectorService.reassign(["a", "b", "c", "d", "e"], over: [["a"]], limit: 2)
        #expect(plan.existing == [["a", "b"]])
        #expect(plan.added == [["c", "d"], ["e"]])
    }

    @Test func aReloadNamesTheKeysThatNeedARestartAndKeepsTheirRunningValues() throws {
        let running = try ConfigurationLoader.parse(yaml: "symbols: [ADAUSD]")
        let requested = try ConfigurationLoader.parse(yaml: """
            endpoint: wss://fstream.binancefuture.com/market
            symbols: [BTCUSD]
            output: {directory: /elsewhere, rotate_seconds: 60}
            log_level: debug
            """)
        #expect(running.restartOnlyChanges(to: requested) == ["endpoint", "output.directory"])
        let next = running.reloaded(from: requested)
        #expect(next.endpoint == running.endpoint)
        #expect(next.storage.directory == running.storage.directory)
        #expect(next.symbols == ["btcusd"])
        #expect(next.storage.rotateSeconds == 60)
        #expect(next.logLevel == "debug")
    }
}
