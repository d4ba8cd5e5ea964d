/// A data file's name: `<family>-<UTC time>-<id>.ndjson`, or the same with `.gz` once compressed.
struct DataFileName {
    static let suffix = ".ndjson"
    static let compressedSuffix = ".ndjson.gz"

    /// The name without `.gz`: what orders files in time.
    let base: String

    init?(_ name: String) {
        if name.hasSuffix(Self.suffix) {
            base = name
        } else if name.hasSuffix(Self.compressedSuffix) {
            base = String(name.dropLast(3))
        } else {
            return nil
        }
    }
}
