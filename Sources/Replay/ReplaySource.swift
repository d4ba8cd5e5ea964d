import RecordStorage

/// What a served replay reads: the data directories and the operator's filters and window, opened
/// afresh — streaming, with small read buffers — for each connection and the window it asks for.
public struct ReplaySource: Sendable {
    public let directories: [String]
    /// The operator's filters and `--from`/`--to`, which bound every connection's window.
    public let query: ReplayQuery
    public let deduplicationWindowMicros: Int64
    /// Per open file; a replay keeps one file open per directory and family.
    public let readBufferBytes: Int

    public init(directories: [String], query: ReplayQuery, deduplicationWindowMicros: Int64, readBufferBytes: Int = 64 << 10) {
        self.directories = directories
        self.query = query
        self.deduplicationWindowMicros = deduplicationWindowMicros
        self.readBufferBytes = readBufferBytes
    }

    /// A replay of the records within both the operator's window and `from`..<`to`.
    func open(from: Int64?, to: Int64?, diagnostics: ReplayDiagnostics) throws(StorageError) -> MergedReplay {
        var window = query
        if let from { window.fromMicros = max(window.fromMicros ?? from, from) }
        if let to { window.toMicros = min(window.toMicros ?? to, to) }
        return try MergedReplay(directories: directories, query: window, diagnostics: diagnostics,
                                deduplicationWindowMicros: deduplicationWindowMicros, readBufferBytes: readBufferBytes)
    }
}
