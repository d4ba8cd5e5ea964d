/// A duration in seconds written with three decimals, `12.345` or `-0.500`, as `%.3f` writes it,
/// without Foundation's formatter (which would bring ICU into the daemon).
public enum SecondsText {
    /// `seconds` rounded to the millisecond.
    public static func milliseconds(_ seconds: Double) -> String {
        milliseconds(count: Int64((seconds * 1000).rounded()))
    }

    /// A whole number of milliseconds as seconds: `12345` → `12.345`.
    public static func milliseconds(count millis: Int64) -> String {
        let fraction = String(millis.magnitude % 1000)
        return "\(millis < 0 ? "-" : "")\(millis.magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
