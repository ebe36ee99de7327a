import NIOCore
import NIOSSL

/// What one `bench fleet` run does: which devices, how many at once, against which endpoint.
public struct FleetSettings: Sendable {
    public var transport: FleetTransport
    /// Host name or address and port of the endpoint (MQTT or HTTPS, as `transport` says).
    public var host: String
    public var port: Int
    /// The CA certificate(s) the endpoint's chain must lead to (PEM); nil trusts the system store.
    public var trustedCAPEM: String?
    public var idScope: String
    public var credentials: FleetCredentials
    /// Devices in the whole fleet (all shards together).
    public var devices: Int
    /// Devices provisioning at the same time.
    public var concurrency: Int
    public var shard: FleetShard
    /// Registration-ID prefix for group-key devices: `PREFIX-000001`...
    public var registrationIDPrefix: String
    /// Requests (connects, registers, polls) per second over the whole run; nil for no limit.
    public var requestsPerSecond: Double?
    /// Deadline of every wait: connect, handshake, each response.
    public var waitLimit: Duration
    /// Polls after which a device still `assigning` counts as not assigned.
    public var maximumPolls: Int

    public init(transport: FleetTransport, host: String, port: Int, trustedCAPEM: String?, idScope: String,
                credentials: FleetCredentials, devices: Int, concurrency: Int, shard: FleetShard = .whole,
                registrationIDPrefix: String = "fleet", requestsPerSecond: Double? = nil, waitLimit: Duration = .seconds(10),
                maximumPolls: Int = 20) {
        self.transport = transport
        self.host = host
        self.port = port
        self.trustedCAPEM = trustedCAPEM
        self.idScope = idScope
        self.credentials = credentials
        self.devices = devices
        self.concurrency = concurrency
        self.shard = shard
        self.registrationIDPrefix = registrationIDPrefix
        self.requestsPerSecond = requestsPerSecond
        self.waitLimit = waitLimit
        self.maximumPolls = maximumPolls
    }

    /// Checks what a flag parser cannot: ranges and consistency.
    public func validate() throws(FleetInputError) {
        guard (1...10_000_000).contains(devices) else { throw FleetInputError("--devices must be 1...10000000, got \(devices)") }
        guard (1...100_000).contains(concurrency) else { throw FleetInputError("--concurrency must be 1...100000, got \(concurrency)") }
        guard (1...65_535).contains(port) else { throw FleetInputError("the target port must be 1...65535, got \(port)") }
        if let requestsPerSecond, !(requestsPerSecond > 0 && requestsPerSecond.isFinite) {
            throw FleetInputError("--rate must be a number of requests per second above 0")
        }
        if case .individualKeys(let keys) = credentials, keys.count < devices {
            throw FleetInputError("--devices \(devices) but the enrollment file has \(keys.count) symmetric-key enrollments")
        }
        guard !registrationIDPrefix.isEmpty, registrationIDPrefix.count <= 100,
              registrationIDPrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            throw FleetInputError("--prefix must be 1-100 characters of a-z, A-Z, 0-9, '-', '.', '_', ':'")
        }
    }

    /// The client TLS context every connection shares (made once: making one is costly).
    func makeTLSContext() throws(FleetInputError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: tlsConfiguration())
        } catch {
            throw FleetInputError("--ca: cannot use the CA certificate: \(error)")
        }
    }

    /// TLS 1.2 or later, trusting `trustedCAPEM` (or the system store).
    func tlsConfiguration() throws(FleetFailure) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let trustedCAPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(trustedCAPEM.utf8)))
            } catch {
                throw FleetFailure(.tls, "the trusted CA is not PEM: \(error)")
            }
        }
        return tls
    }

    /// The deadline of a wait that starts now.
    func deadline() -> NIODeadline {
        .now() + .nanoseconds(waitLimit.components.seconds * 1_000_000_000 + waitLimit.components.attoseconds / 1_000_000_000)
    }

    /// Whether `host` names this machine (only then may a run go without a rate limit by default).
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        // 127.0.0.0/8 as an address literal; a name that merely starts with "127." is not loopback.
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
