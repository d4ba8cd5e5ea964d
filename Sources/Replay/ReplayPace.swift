/// How fast a served replay runs: recorded seconds per second, or as fast as the reader takes it.
/// Written `10`, `0.5` or `max`, in `--speed` and in a consumer's URL (`speed=`).
public enum ReplayPace: Sendable, Equatable, CustomStringConvertible {
    case max
    case times(Double)

    public init?(_ text: String) {
        if text == "max" {
            self = .max
        } else if let value = Double(text), value > 0, value.isFinite {
            self = .times(value)
        } else {
            return nil
        }
    }

    /// What a bad value should have been.
    public static let expected = "a positive number of recorded seconds per second (1, 10 …), or max"

    public var description: String {
        switch self {
        case .max: "max"
        case .times(let value): "\(value)x"
        }
    }
}
