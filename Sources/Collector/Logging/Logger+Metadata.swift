import Logging

extension Logger {
    /// This logger with one more metadata entry on every line it writes (`connection=market-1`,
    /// `source=futures-asset-index`): the structured way to say whose line it is.
    func with(_ key: String, _ value: String) -> Logger {
        var logger = self
        logger[metadataKey: key] = "\(value)"
        return logger
    }
}
