import Foundation

/// How the benchmarks summarise and print: medians, two decimals, fixed-width table rows, and a
/// MET / NOT MET verdict per target.
enum BenchReport {
    /// The middle value (the upper one of an even count).
    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    static func verdict(_ met: Bool) -> String { met ? "MET" : "NOT MET" }

    /// `columns` padded to `widths` and joined by a space.
    static func row(_ columns: [String], widths: [Int]) -> String {
        zip(columns, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " ")
    }
}
