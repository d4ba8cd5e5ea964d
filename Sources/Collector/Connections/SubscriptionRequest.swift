import MarketDecoding

/// A request sent on a market connection, remembered until its reply arrives.
struct SubscriptionRequest: Sendable {
    enum Method: String, Sendable {
        case subscribe = "SUBSCRIBE"
        case unsubscribe = "UNSUBSCRIBE"
    }

    let id: Int64
    let method: Method
    let params: [String]

    /// `{"method":"SUBSCRIBE","params":["a","b"],"id":7}`
    var json: [UInt8] {
        var bytes = Array(#"{"method":"\#(method.rawValue)","params":["#.utf8)
        for (index, param) in params.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONLineBuilder.appendEscaped(param, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        bytes.append(contentsOf: #","id":\#(id)}"#.utf8)
        return bytes
    }

    var summary: String { "\(method.rawValue) \(params) (id \(id))" }
}
