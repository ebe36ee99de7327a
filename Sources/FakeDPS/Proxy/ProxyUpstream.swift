import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The DPS endpoint a recording proxy forwards to, and how the proxy talks to it.
public struct ProxyUpstream: Sendable {
    /// How the upstream's server certificate is verified (never switched off).
    public enum Trust: Sendable, Hashable {
        /// The system's trust store (a real Azure endpoint).
        case system
        /// A PEM file of CA certificates (a `serve` process, a private endpoint).
        case caFile(String)
    }

    /// The certificate chain and key the proxy presents upstream: a device authenticated by
    /// X.509 presents its certificate to the proxy, and the proxy presents the same certificate,
    /// with the key it was given for that device, to the service.
    public struct ClientIdentity: Sendable, Hashable {
        /// Leaf first, then intermediates, as PEM.
        public var chainPEM: String
        public var keyPEM: String

        public init(chainPEM: String, keyPEM: String) {
            self.chainPEM = chainPEM
            self.keyPEM = keyPEM
        }
    }

    public var host: String
    public var mqttPort: Int?
    public var httpsPort: Int?
    public var trust: Trust
    /// The name the upstream's certificate must carry (and the TLS SNI); `host` when nil.
    public var serverName: String?
    public var clientIdentity: ClientIdentity?
    /// Request rate and retry-after discipline toward the upstream.
    public var pacing: UpstreamPacing
    /// Time to open the upstream connection (TCP and TLS).
    public var connectTimeout: Duration

    public init(host: String, mqttPort: Int?, httpsPort: Int?, trust: Trust, serverName: String? = nil,
                clientIdentity: ClientIdentity? = nil, pacing: UpstreamPacing = UpstreamPacing(), connectTimeout: Duration = .seconds(10)) {
        self.host = host
        self.mqttPort = mqttPort
        self.httpsPort = httpsPort
        self.trust = trust
        self.serverName = serverName
        self.clientIdentity = clientIdentity
        self.pacing = pacing
        self.connectTimeout = connectTimeout
    }

    /// The `Host` header value of requests forwarded over HTTPS.
    var httpAuthority: String {
        let name = serverName ?? host
        guard let port = httpsPort, port != 443 else { return name }
        return "\(name):\(port)"
    }

    /// Opens a TLS connection to `port` of the upstream on `eventLoop` (the device connection's,
    /// so both ends of a relay run on one thread): TCP within `connectTimeout`, then the TLS
    /// handshake within it too; `above` adds the protocol handlers.
    func connect(port: Int, tls: NIOSSLContext, on eventLoop: any EventLoop,
                 above: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void) -> EventLoopFuture<any Channel> {
        let serverName = serverName ?? host
        let timeout = connectTimeout
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(timeout.seconds * 1e9)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // SNI carries a DNS name only (RFC 6066 §3): an address is not sent.
                    let sni = FakeDPSServer.ServerIdentity.addressBytes(serverName) == nil ? serverName : nil
                    try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sni))
                    try sync.addHandler(UpstreamHandshakeDeadline(limit: timeout))
                    try above(sync)
                }
            }
            .connect(host: host, port: port)
    }

    /// The client TLS context for the upstream connection.
    func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        switch trust {
        case .system: configuration.trustRoots = .default
        case .caFile(let path): configuration.trustRoots = .file(path)
        }
        if let identity = clientIdentity {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.chainPEM.utf8)).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// How fast a proxy may send requests to a real service: at most `requestsPerSecond` DPS
/// requests (register, poll, status lookup) over all its connections, and never a request of a
/// device before the `retry-after` the service last gave that device has passed. A request that
/// comes too early is held back, not dropped; the transcript keeps the time the device sent it,
/// so the device's own timing is still judged.
public struct UpstreamPacing: Sendable, Hashable {
    /// DPS allows 200 registrations and 1,000 operations per minute per unit (Microsoft Learn,
    /// "Quotas and limits for DPS"); the default of 2 requests per second stays well below both.
    public static let defaultRequestsPerSecond = 2.0

    /// nil: no rate limit (a fake on loopback).
    public var requestsPerSecond: Double?
    public var honoursRetryAfter: Bool

    public init(requestsPerSecond: Double? = Self.defaultRequestsPerSecond, honoursRetryAfter: Bool = true) {
        self.requestsPerSecond = requestsPerSecond
        self.honoursRetryAfter = honoursRetryAfter
    }

    /// No pacing: what a proxy in front of the built-in fake uses.
    public static let unlimited = UpstreamPacing(requestsPerSecond: nil, honoursRetryAfter: false)
}

/// The shared state of `UpstreamPacing`: when the next request may go. One pacer serves every
/// proxy of a run, so the rate holds across cases too.
public final class UpstreamPacer: Sendable {
    private struct State {
        var nextSlot: ContinuousClock.Instant?
        var retryAfter: [String: ContinuousClock.Instant] = [:]
        var held = 0
    }

    let pacing: UpstreamPacing
    private let state = Mutex(State())

    public init(_ pacing: UpstreamPacing) {
        self.pacing = pacing
    }

    /// Reserves the send time of a request of `device` (a registration ID, or a connection when
    /// none is known) and returns how long to hold it back.
    public func delay(for device: String, now: ContinuousClock.Instant = .now) -> Duration {
        state.withLock { state in
            var at = now
            if pacing.honoursRetryAfter, let earliest = state.retryAfter[device], earliest > at { at = earliest }
            if let rate = pacing.requestsPerSecond, rate > 0 {
                if let slot = state.nextSlot, slot > at { at = slot }
                state.nextSlot = at + .seconds(1 / rate)
            }
            if at > now { state.held += 1 }
            return at - now
        }
    }

    /// The service told `device` to wait `seconds` before its next request.
    public func retryAfter(_ text: String?, device: String, now: ContinuousClock.Instant = .now) {
        guard pacing.honoursRetryAfter, let text, let seconds = Double(text.trimmingCharacters(in: .whitespaces)),
              seconds.isFinite, seconds >= 0 else { return }
        // A value no client would honour (days) is capped at the DPS documented poll window.
        let bounded = min(seconds, 3600)
        state.withLock { $0.retryAfter[device] = now + .milliseconds(Int64(bounded * 1000)) }
    }

    /// Requests held back so far.
    public var heldCount: Int { state.withLock { $0.held } }
}
