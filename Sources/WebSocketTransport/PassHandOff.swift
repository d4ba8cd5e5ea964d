/// What `NetworkLoop.start(afterEachPass:)`'s callback did with the messages a pass of
/// `lws_service` delivered, and so how the loop runs its next pass.
public enum PassHandOff: Sendable, Equatable {
    /// They were set going (or there were none): the next pass may wait in `poll` for input.
    case setGoing
    /// They are held to go with the next pass's, which the loop then runs without waiting: the
    /// callback promises to set them going after a pass that delivered nothing new, so they are
    /// held at most until the socket has nothing more to read.
    case holding
}
