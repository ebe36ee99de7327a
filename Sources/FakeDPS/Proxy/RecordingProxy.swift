import DPSCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// What a case's device talks to: the built-in fake, or a recording proxy in front of another
/// DPS. Either way it listens on loopback with a server certificate from the harness's CA and
/// records the exchange into the case's transcript.
public protocol CaseService: Sendable {
    /// The CA the device must trust.
    var caCertificatePEM: String { get }
    /// Where the device connects; `caFile` is where the caller wrote the CA.
    func endpoint(caFile: String?) -> ServiceEndpoint
    /// Device connections open now.
    var openConnectionCount: Int { get }
    @discardableResult
    func awaitConnectionsClosed(within limit: Duration) async -> Bool
    func stop() async
}

extension FakeDPSServer: CaseService {
    public var caCertificatePEM: String { tls.caCertificatePEM }
}

/// Failures of the upstream side of a proxy (unreachable, untrusted certificate, handshake
/// deadline), kept for the proxy's caller: `record --proxy` ends with exit 3 on them.
public final class ProxyFailures: Sendable {
    private let messages = Mutex<[String]>([])

    func add(_ message: String) {
        messages.withLock { $0.append(message) }
    }

    public var all: [String] { messages.withLock { $0 } }

    static func describe(_ error: any Error, upstream: ProxyUpstream, transport: String) -> String {
        let port = (transport == "MQTT" ? upstream.mqttPort : upstream.httpsPort).map(String.init) ?? "?"
        let target = "\(upstream.host):\(port)"
        if let tls = error as? NIOSSLError {
            if case .handshakeFailed(let inner) = tls {
                return "upstream \(transport) \(target): TLS handshake failed (the service's certificate is not trusted, or it refused ours): \(inner)"
            }
            return "upstream \(transport) \(target): TLS: \(tls)"
        }
        if let timedOut = error as? UpstreamHandshakeDeadline.TimedOut {
            return "upstream \(transport) \(target): \(timedOut)"
        }
        if error is ChannelError || error is IOError || error is NIOConnectionError || "\(type(of: error))".contains("Connect") {
            return "upstream \(transport) \(target) unreachable: \(error)"
        }
        return "upstream \(transport) \(target): \(error)"
    }
}

/// A recording proxy: listens like the fake (loopback, a server certificate from the harness's
/// CA, MQTT and/or HTTPS), terminates the device's TLS, opens a verified TLS connection to the
/// upstream DPS for each device connection, forwards both directions unchanged (HTTPS `Host`
/// is the upstream's) and records every packet and message into a transcript, typed exactly as
/// the fake records its own exchanges, so every check reads it the same way.
public final class RecordingProxy: CaseService {
    public let transcript: Transcript
    public let tls: TLSMaterial
    public let host: String
    public let mqttPort: Int?
    public let httpsPort: Int?
    public let upstream: ProxyUpstream
    /// The ID scope devices are told (the upstream's; the proxy does not read it).
    public let idScope: String
    /// What went wrong on the upstream side (unreachable, untrusted, handshake deadline).
    public let failures: ProxyFailures
    private let pacer: UpstreamPacer
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let listeners: [TLSListener]
    private let gate: ConnectionGate

    private init(transcript: Transcript, tls: TLSMaterial, host: String, upstream: ProxyUpstream, idScope: String, pacer: UpstreamPacer, failures: ProxyFailures,
                 ownedGroup: MultiThreadedEventLoopGroup?, gate: ConnectionGate, mqtt: TLSListener?, https: TLSListener?) {
        self.transcript = transcript
        self.tls = tls
        self.host = host
        self.upstream = upstream
        self.idScope = idScope
        self.pacer = pacer
        self.failures = failures
        self.ownedGroup = ownedGroup
        self.gate = gate
        self.mqttPort = mqtt?.port
        self.httpsPort = https?.port
        self.listeners = [mqtt, https].compactMap { $0 }
    }

    /// Starts listening on `host`: MQTT when the upstream has an MQTT port, HTTPS when it has an
    /// HTTPS port (0 picks a free port). The upstream's TLS settings are checked here, so a bad
    /// CA file fails at start, not at the first device.
    public static func start(upstream: ProxyUpstream, idScope: String, clock: any DPSClock, host: String = "127.0.0.1",
                             mqttPort: Int = 0, httpsPort: Int = 0, transcript: Transcript = Transcript(),
                             logger: Logger = Logger(label: "dpsconform.proxy"), limits: ConnectionLimits = .defaults,
                             eventLoops: FakeEventLoops = .perCore,
                             identity: FakeDPSServer.ServerIdentity = FakeDPSServer.ServerIdentity(),
                             pacer: UpstreamPacer? = nil) async throws -> RecordingProxy {
        let material = try TLSMaterial.generate(hostNames: identity.hostNames, addresses: identity.addresses, fault: .none, authority: identity.authority)
        let serverContext = try ServerTLSContext.make(material: material)
        let clientContext = try upstream.makeTLSContext()
        let pacer = pacer ?? UpstreamPacer(upstream.pacing)
        let (group, ownedGroup) = eventLoops.resolve()
        let gate = ConnectionGate(limit: max(1, limits.maximumConnections))
        let failures = ProxyFailures()
        var mqtt: TLSListener?
        var https: TLSListener?
        do {
            if upstream.mqttPort != nil {
                mqtt = try await TLSListener.bind(group: group, host: host, port: mqttPort, tls: serverContext, connectionPrefix: "mqtt",
                                                  limits: limits, gate: gate, refused: { id, note in
                                                      WireRecorder(transcript: transcript, clock: clock, connection: id, logger: logger).note(note, transport: .tcp)
                                                  }) { pipeline, info in
                    let recorder = WireRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
                    try pipeline.addHandler(ProxyQuietDeadline(limit: limits.tlsHandshake + limits.connect, phase: "first packet (proxy)") { recorder.note($0) })
                    try pipeline.addHandler(ProxyFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
                    try pipeline.addHandler(MQTTRelayHandler(upstream: upstream, tls: clientContext, recorder: recorder, pacer: pacer,
                                                             failures: failures, info: info))
                }
            }
            if upstream.httpsPort != nil {
                https = try await TLSListener.bind(group: group, host: host, port: httpsPort, tls: serverContext, connectionPrefix: "https",
                                                   limits: limits, gate: gate, refused: { id, note in
                                                       HTTPSRecorder(transcript: transcript, clock: clock, connection: id, logger: logger).note(note, transport: .tcp)
                                                   }) { pipeline, info in
                    let recorder = HTTPSRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
                    try pipeline.addHandler(ProxyQuietDeadline(limit: limits.tlsHandshake + limits.requestHead, phase: "first request (proxy)") { recorder.note($0) })
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(HTTPRequestAssembler(maximumBodySize: HTTPSLimits.maximumBodySize))
                    try pipeline.addHandler(HTTPSRelayHandler(upstream: upstream, tls: clientContext, recorder: recorder, pacer: pacer,
                                                              failures: failures, info: info))
                }
            }
        } catch {
            await mqtt?.stop()
            await https?.stop()
            try? await ownedGroup?.shutdownGracefully()
            throw error
        }
        return RecordingProxy(transcript: transcript, tls: material, host: host, upstream: upstream, idScope: idScope, pacer: pacer,
                              failures: failures, ownedGroup: ownedGroup, gate: gate, mqtt: mqtt, https: https)
    }

    /// Requests held back by the pacing so far.
    public var heldRequests: Int { pacer.heldCount }

    public var caCertificatePEM: String { tls.caCertificatePEM }

    public func endpoint(caFile: String?) -> ServiceEndpoint {
        ServiceEndpoint(host: host, mqttPort: mqttPort, httpsPort: httpsPort, idScope: idScope, caFile: caFile)
    }

    public var openConnectionCount: Int { gate.count }

    @discardableResult
    public func awaitConnectionsClosed(within limit: Duration) async -> Bool {
        var all = true
        for listener in listeners where !(await listener.connections.awaitClosed(within: limit)) { all = false }
        return all
    }

    public func stop() async {
        for listener in listeners { await listener.stop() }
        if let ownedGroup {
            try? await ownedGroup.shutdownGracefully()
        } else {
            for listener in listeners { await listener.connections.closeAll() }
        }
    }
}
