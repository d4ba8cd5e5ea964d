import WebSocketTransport

/// What a `StreamShard` needs from the network: open a WebSocket (its events go to the delegate
/// given, one per connection), send text on it, close it. The daemon's `NetworkLoop`; the shard's
/// unit tests use a transport they drive by hand.
protocol MarketTransport: Sendable {
    func open(_ target: NetworkTarget, delegate: any WebSocketDelegate) -> ConnectionID
    func send(text: [UInt8], on connection: ConnectionID)
    func close(_ connection: ConnectionID, code: UInt16, reason: String)
}

extension NetworkLoop: MarketTransport {}
