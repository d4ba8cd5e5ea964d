import MarketDecoding

/// The per-connection state of a Binance-compatible market stream connection: route, mode
/// (raw `/ws` or combined `/stream`) and subscriptions, plus the live request protocol.
///
/// Like Binance since 2026-04-23, a connection outside the `/market` route (`/public`,
/// `/private`, or none) has its requests acknowledged but receives no market data.
public struct BinanceSession: Sendable {
    public private(set) var routed: Bool
    public private(set) var combined: Bool
    public private(set) var subscriptions: [String] = []

    public init(path: String) {
        let (route, query) = Self.split(path)
        let prefix = Self.routes.first { route == $0 || route.hasPrefix($0 + "/") }
        routed = prefix == "/market"
        let rest = String(route.dropFirst(prefix?.count ?? 0))
        combined = rest.hasPrefix("/stream")
        if combined {
            let value = query.split(separator: "&").first { $0.hasPrefix("streams=") }.map { $0.dropFirst("streams=".count) } ?? ""
            subscriptions = value.split(separator: "/").map(String.init)
        } else if rest.hasPrefix("/ws/") {
            subscriptions = rest.dropFirst("/ws/".count).split(separator: "/").map(String.init)
        }
    }

    public func isSubscribed(to stream: String) -> Bool { routed && subscriptions.contains(stream) }

    /// The frame to send for an event of `stream`, or nil when this connection does not get it.
    public func frame(for stream: String, payload: String) -> String? {
        guard isSubscribed(to: stream) else { return nil }
        return combined ? #"{"stream":"\#(stream)","data":\#(payload)}"# : payload
    }

    /// Applies one client request and returns the reply text.
    public mutating func handle(request text: String) -> String {
        guard let tape = try? JSONTape(parsing: Array(text.utf8)), tape.root.kind == .object else {
            return Self.error(code: 3, message: "Invalid JSON: the request could not be parsed", id: nil)
        }
        let object = tape.root
        guard let idText = object["id"].flatMap(Self.idText) else {
            return Self.error(code: 2, message: "Invalid request: 'id' must be an unsigned integer, a string or null", id: nil)
        }
        let params = object["params"]?.elements ?? []
        let strings = params.compactMap(\.string)
        let streams: [String]? = strings.count == params.count ? strings : nil
        switch object["method"]?.string {
        case "SUBSCRIBE":
            guard let streams, !streams.isEmpty else {
                return Self.error(code: 2, message: "Invalid request: 'params' must be a list of stream names", id: idText)
            }
            for stream in streams where !subscriptions.contains(stream) { subscriptions.append(stream) }
            return #"{"result":null,"id":\#(idText)}"#
        case "UNSUBSCRIBE":
            guard let streams else {
                return Self.error(code: 2, message: "Invalid request: 'params' must be a list of stream names", id: idText)
            }
            subscriptions.removeAll { streams.contains($0) }
            return #"{"result":null,"id":\#(idText)}"#
        case "LIST_SUBSCRIPTIONS":
            let list = subscriptions.map { "\"\($0)\"" }.joined(separator: ",")
            return #"{"result":[\#(list)],"id":\#(idText)}"#
        case "SET_PROPERTY":
            guard params.count == 2, params[0].isString("combined"), params[1].kind == .true || params[1].kind == .false else {
                return Self.error(code: 0, message: "Unknown property", id: idText)
            }
            combined = params[1].kind == .true
            return #"{"result":null,"id":\#(idText)}"#
        case "GET_PROPERTY":
            guard params.count == 1, params[0].isString("combined") else {
                return Self.error(code: 0, message: "Unknown property", id: idText)
            }
            return #"{"result":\#(combined),"id":\#(idText)}"#
        default:
            return Self.error(code: 2, message: "Invalid request: unknown method", id: idText)
        }
    }

    /// Binance's URL routes: `/market` (where the asset index and contract info are), `/public`
    /// (high-frequency book data) and `/private` (user data).
    private static let routes = ["/market", "/public", "/private"]

    private static func split(_ path: String) -> (String, String) {
        guard let mark = path.firstIndex(of: "?") else { return (path, "") }
        return (String(path[..<mark]), String(path[path.index(after: mark)...]))
    }

    /// The request id as the reply echoes it: an unsigned integer, a string or null.
    private static func idText(_ value: JSONValue) -> String? {
        if let number = value.int64, number >= 0 { return String(number) }
        if value.kind == .string { return String(decoding: value.rawBytes, as: UTF8.self) }
        if value.kind == .null { return "null" }
        return nil
    }

    private static func error(code: Int, message: String, id: String?) -> String {
        #"{"error":{"code":\#(code),"msg":"\#(message)"},"id":\#(id ?? "null")}"#
    }
}
