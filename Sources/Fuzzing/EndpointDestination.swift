import DPSCore
import FakeDPS
import Foundation
import NIOSSL
import ScenarioEngine

/// An endpoint as a fuzz destination (`fuzz --target mqtts://… | https://… | azure`): `serve`, a
/// private DPS or Azure. Cases go to it over verified TLS at the target configuration's request
/// rate (`UpstreamPacer`, shared by every case and the well-behaved device), and a 429 or 503
/// with a retry-after holds every send back until it has passed. SAS cases are devices of the
/// configuration's `group` enrollment (symmetric-key group: any valid registration ID derives
/// its key from the group key). Nothing of the service's state is observable: the oracles judge
/// by the wire alone.
public final class EndpointDestination: CaseDestination {
    /// Why an endpoint cannot be fuzzed with a configuration.
    public struct SetupError: Error, CustomStringConvertible {
        public enum Reason: Sendable, Hashable {
            /// The configuration has no symmetric-key `group` enrollment.
            case noGroupEnrollment
        }

        public let reason: Reason
        /// The target configuration file.
        public let file: String

        public var description: String {
            switch reason {
            case .noGroupEnrollment:
                "\(file): fuzzing an endpoint needs a 'group' enrollment (a symmetric-key enrollment group and its key): "
                    + "every SAS case is sent as a device of that group (docs/fuzzing.md)"
            }
        }
    }

    public let host: String
    public let mqttPort: Int
    public let httpsPort: Int
    public let idScope: String
    public let serverName: String
    public let groupKey: String
    public let pacer: UpstreamPacer?
    /// The user enrolled the run's corpus CA (`group-ca.pem` of `--write-corpus` for the same
    /// seed) as an X.509 enrollment group on the endpoint.
    public let enrollsRunCA: Bool
    private let trust: ProxyUpstream.Trust

    public init(address: TargetAddress, configuration: TargetConfiguration, corpusCAEnrolled: Bool = false) throws(SetupError) {
        guard let group = configuration.enrollments[.group], case .groupKey(let key) = group.credential else {
            throw SetupError(reason: .noGroupEnrollment, file: configuration.file)
        }
        host = address.host
        mqttPort = address.mqttPort ?? 0
        httpsPort = address.httpsPort ?? 0
        idScope = configuration.idScope
        serverName = configuration.serverName ?? address.host
        groupKey = key
        trust = configuration.trust
        pacer = UpstreamPacer(UpstreamPacing(requestsPerSecond: configuration.requestsPerSecond, honoursRetryAfter: true))
        enrollsRunCA = corpusCAEnrolled
    }

    /// The transports the address offers.
    public var transports: [FuzzTransport] {
        (mqttPort > 0 ? [FuzzTransport.mqtt] : []) + (httpsPort > 0 ? [.https] : [])
    }

    /// An endpoint's deadline for a whole CONNECT or request head is not documented (the fake's is
    /// 10 s by default); a case that sends an incomplete one allows it 30 s.
    public var incompleteRequestDeadline: Duration { .seconds(30) }

    public func clientTLS() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch trust {
        case .system: break
        case .caFile(let path): tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        }
        return tls
    }

    public func operationRegistrationIDs() -> [String: String]? { nil }
    public func presentDirectly(chain: [[UInt8]], registrationID: String, body: [UInt8]) -> WireAnswer? { nil }
    public func recordedEvents(from start: Int) -> [WireEvent]? { nil }
    public var recordedEventCount: Int { 0 }
    public func openConnections(after limit: Duration) async -> Int? { nil }
    public var residentBytes: Int? { nil }
    public func stop() async {}
}
