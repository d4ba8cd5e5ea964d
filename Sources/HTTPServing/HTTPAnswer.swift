/// The reply to a plain (non-upgrade) HTTP request, such as a REST `GET /fapi/v1/assetIndex`
/// or a metrics scrape.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String

    public init(status: Int, headers: [(String, String)] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static let notFound = HTTPAnswer(status: 404, headers: [("Content-Type", "application/json")],
                                            body: #"{"code":-1,"msg":"not found"}"#)

    /// A JSON body with status 200.
    public static func json(_ body: String) -> HTTPAnswer {
        HTTPAnswer(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }
}
