import CollectorTestKit
import MarketServer
import StreamVerification
import Testing

extension Completeness {
    /// Checks the daemon's files against a `SequencedFeed` run.
    init(files: DataFiles, sent: [SequencedFeed.Sent]) throws {
        try self.init(directory: files.directory, symbol: SequencedFeed.symbol,
                      published: sent.map { Published(eventTime: $0.eventTime, delivered: $0.recipients > 0) })
    }
}

/// Ends a feed run: stops `feed`, waits until the last event a connection received is on disk,
/// stops the daemon with SIGTERM (it must exit 0) and checks its files against what was sent.
func finishRun(_ feed: SequencedFeed, _ daemon: DaemonProcess) async throws -> (sent: [SequencedFeed.Sent], result: Completeness) {
    let sent = feed.stop()
    let files = DataFiles(directory: daemon.dataDirectory)
    if let last = sent.last(where: { $0.recipients > 0 }) {
        try await eventually("the last delivered event on disk") {
            (try? files.lines("asset-index", skippingTornTails: true).contains { $0.contains(#""eventTime":\#(last.eventTime)"#) }) == true
        }
    }
    #expect(daemon.isRunning)
    let stopped = try await daemon.terminate()
    #expect(stopped.status == 0)
    return (sent, try Completeness(files: files, sent: sent))
}
