/// Where a `MosquittoConnection` is in its single-use lifecycle.
public enum MosquittoConnectionState: Sendable, Hashable {
    /// Created, `connect` not called yet.
    case idle
    /// CONNECT under way: TCP, TLS handshake or waiting for CONNACK.
    case connecting
    /// CONNACK 0 received; the session carries traffic.
    case connected
    /// `disconnect` sent DISCONNECT and waits for the socket to close.
    case disconnecting
    /// Finished for good: `nil` after `disconnect`, otherwise why it ended (refusal, loss, timeout, ...).
    case closed(MosquittoError?)
}
