extension Array {
    /// The elements in order, in runs of `size` (the last run may be shorter): streams per
    /// connection, streams per SUBSCRIBE request.
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
