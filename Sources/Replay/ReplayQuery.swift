/// What a replay selects: a receive-time window and the streams, symbols and event types wanted.
///
/// Empty sets select everything. `collector.gap` records pass the symbol and type filters (a
/// consumer must see the holes of whatever it asked for) and the stream filter when they list one
/// of the streams asked for. File headers are left out unless `includeHeaders`.
public struct ReplayQuery: Sendable {
    /// Inclusive lower bound on `recvTime`, µs since the epoch.
    public var fromMicros: Int64?
    /// Exclusive upper bound on `recvTime`, µs since the epoch.
    public var toMicros: Int64?
    public var streams: Set<String>
    /// Upper-case, as records write symbols.
    public var symbols: Set<String>
    public var types: Set<String>
    public var includeHeaders: Bool

    public init(fromMicros: Int64? = nil, toMicros: Int64? = nil, streams: Set<String> = [], symbols: Set<String> = [],
                types: Set<String> = [], includeHeaders: Bool = false) {
        self.fromMicros = fromMicros
        self.toMicros = toMicros
        self.streams = streams
        self.symbols = Set(symbols.map { $0.uppercased() })
        self.types = types
        self.includeHeaders = includeHeaders
    }

    /// Whether a file whose records were received in the hour from `partitionStart` can hold
    /// anything inside the window.
    func mayMatch(partitionStartMicros start: Int64?) -> Bool {
        guard let start else { return true }
        if let fromMicros, start + 3_600_000_000 <= fromMicros { return false }
        if let toMicros, start >= toMicros { return false }
        return true
    }

    func contains(micros: Int64) -> Bool {
        if let fromMicros, micros < fromMicros { return false }
        if let toMicros, micros >= toMicros { return false }
        return true
    }
}
