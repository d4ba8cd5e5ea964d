/// Which whole seconds a symbol's ticks cover, as sorted, disjoint, non-adjacent ranges; adding
/// the next second in order is O(1), an out-of-order one a binary search.
struct SecondCoverage {
    private(set) var ranges: [ClosedRange<Int64>] = []

    mutating func add(_ second: Int64) {
        if let last = ranges.last {
            if last.contains(second) { return }
            if second == last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...second
                return
            }
            if second > last.upperBound {
                ranges.append(second...second)
                return
            }
        } else {
            ranges.append(second...second)
            return
        }
        insert(second...second)
    }

    mutating func merge(_ other: SecondCoverage) {
        for range in other.ranges { insert(range) }
    }

    /// The seconds between the first and the last covered one that are not covered.
    var holes: [ClosedRange<Int64>] {
        zip(ranges, ranges.dropFirst()).map { ($0.upperBound + 1)...($1.lowerBound - 1) }
    }

    private mutating func insert(_ range: ClosedRange<Int64>) {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound + 1 < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var merged = range
        var end = low
        while end < ranges.count, ranges[end].lowerBound <= merged.upperBound + 1 {
            merged = min(merged.lowerBound, ranges[end].lowerBound)...max(merged.upperBound, ranges[end].upperBound)
            end += 1
        }
        ranges.replaceSubrange(low..<end, with: [merged])
    }
}
