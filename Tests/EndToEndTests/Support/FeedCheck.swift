import MarketServer
import StreamVerification

extension Completeness {
    /// Checks the daemon's files against a `SequencedFeed` run.
    init(files: DataFiles, sent: [SequencedFeed.Sent]) throws {
        try self.init(directory: files.directory, symbol: SequencedFeed.symbol,
                      published: sent.map { Published(eventTime: $0.eventTime, delivered: $0.recipients > 0) })
    }
}
