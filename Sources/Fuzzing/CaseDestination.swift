import DPSCore
import FakeDPS
import Foundation
import Logging
import NIOSSL

/// Where fuzz cases are sent: the in-process fake (`FakeDestination`), or an endpoint
/// (`EndpointDestination`: `serve`, a private DPS, Azure) with a request-rate limit, which answers
/// nil to what only an in-process service can tell (its state, a chain presented without TLS).
public protocol CaseDestination: Sendable {
    var host: String { get }
    /// 0 when the destination has no MQTT endpoint.
    var mqttPort: Int { get }
    /// 0 when the destination has no HTTPS endpoint.
    var httpsPort: Int { get }
    var idScope: String { get }
    /// The name the server certificate must carry: the TLS SNI and the HTTP `Host`.
    var serverName: String { get }
    /// The key of the symmetric-key enrollment group every SAS case is a device of.
    var groupKey: String { get }
    /// Whether the service trusts the run's own CA (FuzzPKI), so that X.509 cases can be sent.
    var enrollsRunCA: Bool { get }
    /// When requests may go (shared by every case and the well-behaved device); nil: at once.
    var pacer: UpstreamPacer? { get }
    /// How long the service lets a connection wait for a whole CONNECT or request head: a case
    /// that sends an incomplete one (cut off, or trickled) waits this long on top of its deadline.
    var incompleteRequestDeadline: Duration { get }
    /// A client TLS configuration that verifies the destination's server certificate.
    func clientTLS() throws -> TLSConfiguration
    /// The registration ID of every operation the service holds, by operation ID; nil when the
    /// destination cannot be observed.
    func operationRegistrationIDs() -> [String: String]?
    /// Presents `chain` for `registrationID` to the service without TLS (for a certificate no TLS
    /// client library will load); nil when the service is not in this process.
    func presentDirectly(chain: [[UInt8]], registrationID: String, body: [UInt8]) -> WireAnswer?
    /// The wire events the service recorded from `start` on (its transcript), for an oracle that
    /// needs the service's reason for closing; nil when the destination cannot be observed.
    func recordedEvents(from start: Int) -> [WireEvent]?
    /// How many events the service has recorded so far.
    var recordedEventCount: Int { get }
    /// Waits until no connection is open (or `limit` passes); the number still open, nil when unknown.
    func openConnections(after limit: Duration) async -> Int?
    /// The resident memory of the process the service runs in, in bytes; nil when it is not this process.
    var residentBytes: Int? { get }
    /// Ends what the destination started.
    func stop() async
}

/// The service side of a fuzz run: what the fake is configured with.
public struct FuzzServiceSetup: Sendable {
    public static let idScope = "0ne00F0220"
    /// The symmetric-key enrollment group's key (a fixed test key: it protects nothing).
    public static let groupKey = "ZHBzY29uZm9ybSBmdXp6IGdyb3VwIGtleSAwMSAtIG5vdCBhIHNlY3JldCEhIQ=="
    /// The fake's connection deadlines in a fuzz run: the defaults, except CONNECT and the HTTP
    /// request head in 3 s instead of 10, so that a slow sender's case ends sooner.
    public static let limits: ConnectionLimits = {
        var limits = ConnectionLimits.defaults
        limits.connect = .seconds(3)
        limits.requestHead = .seconds(3)
        return limits
    }()

    public var profile: RegistrationIDProfile
    /// The CA of the X.509 enrollment group.
    public var groupCA: [UInt8]
    public var individualX509: [(registrationID: String, der: [UInt8])]
    /// A defect to build into the fake (tests of the fuzzers only).
    public var weakness: DeliberateWeakness?

    public init(profile: RegistrationIDProfile, groupCA: [UInt8], individualX509: [(registrationID: String, der: [UInt8])] = [],
                weakness: DeliberateWeakness? = nil) {
        self.profile = profile
        self.groupCA = groupCA
        self.individualX509 = individualX509
        self.weakness = weakness
    }

    /// The fake's configuration: the profile's ID policy, a symmetric-key group, an X.509 group,
    /// the individual X.509 enrollments, and no rate limits (a fuzz run sends far more than 1,000
    /// requests a minute, and throttling would hide the answers).
    public var configuration: ServiceConfiguration {
        let hub = AllocationPolicy.static(hub: "hub-fuzz.azure-devices.net")
        let individuals = individualX509.map {
            IndividualEnrollment(registrationID: $0.registrationID, attestation: .x509(primary: .certificate($0.der), secondary: nil), allocation: hub)
        }
        let groups = [
            EnrollmentGroup(groupID: "fuzz-symmetric-key", attestation: .symmetricKey(primaryKey: Self.groupKey, secondaryKey: nil), allocation: hub),
            EnrollmentGroup(groupID: "fuzz-x509", attestation: .x509CA(primary: groupCA, secondary: nil), allocation: hub),
        ]
        var configuration = ServiceConfiguration(idScope: Self.idScope, enrollments: EnrollmentSet(individuals: individuals, groups: groups),
                                                 registrationIDPolicy: profile.policy)
        configuration.pollLimit = nil
        configuration.serviceLimit = nil
        configuration.registerLimit = nil
        configuration.deliberateWeakness = weakness
        return configuration
    }
}

/// The in-process fake as a destination (`--target fake`): loopback only.
public final class FakeDestination: CaseDestination {
    public let server: FakeDPSServer

    private init(server: FakeDPSServer) {
        self.server = server
    }

    public static func start(_ setup: FuzzServiceSetup) async throws -> FakeDestination {
        let server = try await FakeDPSServer.start(configuration: setup.configuration, clock: SystemClock(), host: "127.0.0.1",
                                                   httpsPort: 0, transcript: Transcript(retention: .bounded(events: 2_000, rawBytes: 4_096)),
                                                   logger: Logger(label: "dpsconform.fuzz.fake", factory: { _ in SwiftLogNoOpLogHandler() }),
                                                   limits: FuzzServiceSetup.limits,
                                                   eventLoops: .dedicated(threads: 1))
        return FakeDestination(server: server)
    }

    public var host: String { server.host }
    public var mqttPort: Int { server.mqttPort }
    public var httpsPort: Int { server.httpsPort ?? 0 }
    public var idScope: String { server.service.configuration.idScope }
    public var serverName: String { "localhost" }
    public var groupKey: String { FuzzServiceSetup.groupKey }
    public var enrollsRunCA: Bool { true }
    public var pacer: UpstreamPacer? { nil }
    public var incompleteRequestDeadline: Duration { max(FuzzServiceSetup.limits.connect, FuzzServiceSetup.limits.requestHead) }

    public func clientTLS() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(server.tls.caCertificatePEM.utf8)))
        return tls
    }

    public func operationRegistrationIDs() -> [String: String]? { server.service.operationRegistrationIDs }

    public func presentDirectly(chain: [[UInt8]], registrationID: String, body: [UInt8]) -> WireAnswer? {
        let identity = DeviceIdentity(idScope: idScope, registrationID: registrationID, apiVersion: APIVersion.deviceDefault)
        let attestation = server.service.attest(identity, credentials: DeviceCredentials(sasToken: nil, clientCertificateChain: chain))
        let response = server.service.handle(DeviceRequest(kind: .register, identity: identity, body: body), attestation: attestation)
        let details = try? JSONText.decode(ProvisioningServiceErrorDetails.self, from: response.body, what: "response")
        return .response(status: response.status, errorCode: (200..<300).contains(response.status) ? nil : details?.errorCode)
    }

    public func recordedEvents(from start: Int) -> [WireEvent]? {
        server.transcript.snapshot.filter { $0.sequence >= start }
    }

    public var recordedEventCount: Int { server.transcript.appendedCount }

    public func openConnections(after limit: Duration) async -> Int? {
        await server.awaitConnectionsClosed(within: limit)
        return server.openConnectionCount
    }

    /// The fake shares this process with the fuzzer, whose own memory per case is bounded: growth
    /// over a run is the fake's.
    public var residentBytes: Int? { ProcessMemory.residentBytes }

    public func stop() async { await server.stop() }
}

extension CaseDestination {
    /// The port of `transport` (0 when the destination has none).
    func port(_ transport: FuzzTransport) -> Int { transport == .mqtt ? mqttPort : httpsPort }

    /// The `Host` header value of requests to the HTTPS endpoint.
    var httpAuthority: String { httpsPort == 443 ? serverName : "\(serverName):\(httpsPort)" }

    /// One exchange with the endpoint of `transport`, paced by the destination.
    func exchange(_ transport: FuzzTransport, tls: TLSConfiguration, deadline: Duration, trickle: TLSExchange.Trickle? = nil) -> TLSExchange {
        TLSExchange(host: host, port: port(transport), serverName: serverName, tls: tls, deadline: deadline, trickle: trickle,
                    pacer: pacer, transport: transport)
    }
}
