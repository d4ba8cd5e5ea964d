import MarketServer

extension MarketHub {
    /// A silent stall: the hub forgets `connection`, so no event reaches it (nor counts as sent to
    /// it), while the connection stays open and its pings are still answered.
    public func silence(_ connection: ServerConnection) {
        disconnected(connection)
    }
}
