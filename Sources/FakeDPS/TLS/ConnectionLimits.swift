import DPSCore
import NIOCore

/// How long each phase of a connection may take, and how many connections the fake holds at once,
/// so a client that connects and then stalls (no ClientHello, no CONNECT, a request head or body
/// trickled a byte at a time, an idle keep-alive) cannot hold a socket for ever. Deadlines run in
/// real time, whatever the service's clock: they protect the process's file descriptors.
///
/// Every deadline ends in a recorded `.closed(.deadline(phase:seconds:))`; a connection over
/// `maximumConnections` is accepted and closed at once with `.closed(.overloaded(limit:))`.
public struct ConnectionLimits: Sendable, Hashable {
    /// From accept to the end of the TLS handshake (RFC 8446 and RFC 5246 set no limit; a server
    /// chooses one).
    public var tlsHandshake: Duration
    /// From the end of the TLS handshake to a whole CONNECT packet (the first packet MUST be
    /// CONNECT, MQTT 3.1.1 section 3.1, MQTT-3.1.0-1; how long to wait for it is the server's choice).
    public var connect: Duration
    /// Between two whole MQTT packets when the CONNECT asked for no keepalive (keepalive 0 turns
    /// the MQTT mechanism off, MQTT 3.1.1 section 3.1.2.10); with a keepalive, 1.5 times it applies.
    public var mqttIdle: Duration
    /// From the first byte of a request (or the end of the TLS handshake) to its whole head.
    public var requestHead: Duration
    /// From a request head to the end of its body (a chunked body never closed, a trickled one).
    public var requestBody: Duration
    /// Between a response and the next request on a keep-alive connection (servers "will usually
    /// have some timeout value beyond which they will no longer maintain an inactive connection",
    /// RFC 9112 section 9.5).
    public var httpIdle: Duration
    /// Open connections over both front ends together; the next one is refused.
    public var maximumConnections: Int

    public init(tlsHandshake: Duration = .seconds(10), connect: Duration = .seconds(10), mqttIdle: Duration = .seconds(60),
                requestHead: Duration = .seconds(10), requestBody: Duration = .seconds(30), httpIdle: Duration = .seconds(60),
                maximumConnections: Int = 1024) {
        self.tlsHandshake = tlsHandshake
        self.connect = connect
        self.mqttIdle = mqttIdle
        self.requestHead = requestHead
        self.requestBody = requestBody
        self.httpIdle = httpIdle
        self.maximumConnections = maximumConnections
    }

    /// The defaults: 10 s handshake, 10 s CONNECT, 60 s MQTT idle, 10 s request head, 30 s body,
    /// 60 s HTTP idle, 1,024 connections.
    public static let defaults = ConnectionLimits()
}

/// A phase of a connection that has a deadline, named as the transcript records it.
enum ConnectionPhase: String, Sendable {
    case tlsHandshake = "TLS handshake"
    case connect = "CONNECT"
    case mqttIdle = "MQTT idle"
    case requestHead = "HTTP request head"
    case requestBody = "HTTP request body"
    case httpIdle = "HTTP keep-alive idle"

    func limit(in limits: ConnectionLimits) -> Duration {
        switch self {
        case .tlsHandshake: limits.tlsHandshake
        case .connect: limits.connect
        case .mqttIdle: limits.mqttIdle
        case .requestHead: limits.requestHead
        case .requestBody: limits.requestBody
        case .httpIdle: limits.httpIdle
        }
    }
}

/// A deadline ran out: sent down the pipeline so the handler that records the connection closes
/// it with `.closed(.deadline(...))`.
struct DeadlineExpired: Sendable {
    let phase: ConnectionPhase
    let limit: Duration

    var cause: CloseCause { .deadline(phase: phase.rawValue, seconds: limit.seconds) }
}

/// One running deadline of a connection, on its event loop; starting another cancels it.
struct PhaseTimer {
    private(set) var phase: ConnectionPhase?
    private var task: Scheduled<Void>?

    /// Starts `phase`'s deadline; `expired` runs on the event loop if it is not cancelled first.
    /// A zero or negative limit turns the phase's deadline off.
    mutating func start(_ phase: ConnectionPhase, limits: ConnectionLimits, on loop: any EventLoop,
                        expired: @escaping (DeadlineExpired) -> Void) {
        start(phase, limit: phase.limit(in: limits), on: loop, expired: expired)
    }

    /// Starts `phase` with a limit of its own (the MQTT keepalive's 1.5 times).
    mutating func start(_ phase: ConnectionPhase, limit: Duration, on loop: any EventLoop,
                        expired: @escaping (DeadlineExpired) -> Void) {
        cancel()
        guard limit > .zero else { return }
        self.phase = phase
        let event = DeadlineExpired(phase: phase, limit: limit)
        task = loop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) { expired(event) }
    }

    mutating func cancel() {
        task?.cancel()
        task = nil
        phase = nil
    }
}
