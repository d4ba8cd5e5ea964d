/// What `NetworkLoop.start(afterEachPass:)`'s callback did with the messages a pass of
/// `lws_service` delivered, and so how the loop runs its next pass.
public enum PassHandOff: Sendable, Equatable {
    /// They were set going (or there were none): the next pass may wait in `poll` for input.
    case setGoing
    /// They are held to go with the next pass's, which the loop then runs without waiting: the
    /// callback promises to set them going once a pass or two deliver nothing new, and at the
    /// loop's last call, so they are held at most until the socket has nothing more to read.
    case holding
}
