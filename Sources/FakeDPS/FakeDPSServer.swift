import DPSCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Where a fake's connections run.
public enum FakeEventLoops: Sendable {
    /// A group of its own with this many threads (at least 1), shut down with the server:
    /// `serve`, where one busy connection must not hold up the others. `System.coreCount` by default.
    case dedicated(threads: Int)
    /// One event loop of a group the caller owns and shuts down: `run` gives each case one loop of
    /// a group shared by all cases, so a case's events keep their single-threaded order.
    case shared(any EventLoopGroup)

    /// One thread per core.
    public static var perCore: FakeEventLoops { .dedicated(threads: System.coreCount) }

    /// One loop of NIO's process-wide group (one thread per core, never shut down), for servers
    /// started one after another, like the cases of a run.
    public static var sharedSingleton: FakeEventLoops { .shared(MultiThreadedEventLoopGroup.singleton) }

    /// The group to run on, and the one to shut down with the server (nil on a shared group).
    func resolve() -> (group: any EventLoopGroup, owned: MultiThreadedEventLoopGroup?) {
        switch self {
        case .dedicated(let threads):
            let created = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            return (created, created)
        case .shared(let shared):
            return (shared.next(), nil)
        }
    }
}

/// A running fake DPS: the provisioning service and its front ends on an event-loop group.
public final class FakeDPSServer: Sendable {
    public let service: ProvisioningService
    public let transcript: Transcript
    public let tls: TLSMaterial
    public let host: String
    /// The bound MQTT port (the requested one, or the ephemeral one chosen for port 0).
    public let mqttPort: Int
    /// The bound HTTPS port, or nil when the HTTPS front end is off.
    public let httpsPort: Int?
    /// The group the server created, shut down by `stop`; nil when it runs on a shared one.
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let mqtt: TLSListener
    private let https: TLSListener?
    private let gate: ConnectionGate

    private init(service: ProvisioningService, transcript: Transcript, tls: TLSMaterial, host: String,
                 ownedGroup: MultiThreadedEventLoopGroup?, gate: ConnectionGate, mqtt: TLSListener, https: TLSListener?) {
        self.service = service
        self.transcript = transcript
        self.tls = tls
        self.host = host
        self.ownedGroup = ownedGroup
        self.gate = gate
        self.mqtt = mqtt
        self.mqttPort = mqtt.port
        self.https = https
        self.httpsPort = https?.port
    }

    /// Starts the fake on `host` (127.0.0.1 by default: loopback only) with fresh TLS material.
    /// `httpsPort` nil leaves the HTTPS front end off; 0 picks a free port. `limits` are the
    /// connection deadlines and the connection limit of both front ends together.
    public static func start(configuration: ServiceConfiguration, clock: any DPSClock, host: String = "127.0.0.1",
                             mqttPort: Int = 0, httpsPort: Int? = nil, transcript: Transcript = Transcript(),
                             logger: Logger = Logger(label: "dpsconform.fake"), limits: ConnectionLimits = .defaults,
                             eventLoops: FakeEventLoops = .perCore, identity: ServerIdentity = ServerIdentity()) async throws -> FakeDPSServer {
        let tls = try TLSMaterial.generate(hostNames: identity.hostNames, addresses: identity.addresses,
                                           fault: configuration.serverTLS.certificateFault, authority: identity.authority)
        let context = try ServerTLSContext.make(material: tls, versions: configuration.serverTLS.versions)
        let service = ProvisioningService(configuration: configuration, clock: clock)
        let (group, ownedGroup) = eventLoops.resolve()
        let gate = ConnectionGate(limit: max(1, limits.maximumConnections))
        do {
            let mqtt = try await MQTTFrontEnd.start(group: group, host: host, port: mqttPort, tls: context, service: service,
                                                    transcript: transcript, logger: logger, limits: limits, gate: gate)
            var https: TLSListener?
            if let httpsPort {
                do {
                    https = try await HTTPSFrontEnd.start(group: group, host: host, port: httpsPort, tls: context, service: service,
                                                          transcript: transcript, logger: logger, limits: limits, gate: gate)
                } catch {
                    await mqtt.stop()
                    throw error
                }
            }
            return FakeDPSServer(service: service, transcript: transcript, tls: tls, host: host, ownedGroup: ownedGroup, gate: gate,
                                 mqtt: mqtt, https: https)
        } catch {
            try? await ownedGroup?.shutdownGracefully()
            throw error
        }
    }

    /// The names in the server certificate and the CA that signs it.
    public struct ServerIdentity: Sendable {
        public var hostNames: [String]
        public var addresses: [[UInt8]]
        /// A stable CA (`--server-ca-dir`); nil makes a CA for this server.
        public var authority: ServerAuthority?

        public init(hostNames: [String] = ["localhost"], addresses: [[UInt8]] = TLSMaterial.loopbackAddresses, authority: ServerAuthority? = nil) {
            self.hostNames = hostNames
            self.addresses = addresses
            self.authority = authority
        }

        /// Loopback names plus `names`: each an IPv4/IPv6 address or a DNS name.
        public init(adding names: [String], authority: ServerAuthority?) {
            var hostNames = ["localhost"]
            var addresses = TLSMaterial.loopbackAddresses
            for name in names {
                if let address = Self.addressBytes(name) {
                    if !addresses.contains(address) { addresses.append(address) }
                } else if !hostNames.contains(name) {
                    hostNames.append(name)
                }
            }
            self.init(hostNames: hostNames, addresses: addresses, authority: authority)
        }

        static func addressBytes(_ text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
            return nil
        }
    }

    /// Connections open now, over both front ends (refused ones are not counted).
    public var openConnectionCount: Int { gate.count }

    /// The endpoint description for clients; `caFile` is where the caller wrote the CA.
    public func endpoint(caFile: String?) -> ServiceEndpoint {
        ServiceEndpoint(host: host, mqttPort: mqttPort, httpsPort: httpsPort, idScope: service.configuration.idScope, caFile: caFile)
    }

    /// Waits until every device connection open now has closed (its close recorded), or `limit`
    /// has passed; true when all closed in time.
    @discardableResult
    public func awaitConnectionsClosed(within limit: Duration) async -> Bool {
        async let mqttClosed = mqtt.connections.awaitClosed(within: limit)
        let httpsClosed = await https?.connections.awaitClosed(within: limit) ?? true
        return await mqttClosed && httpsClosed
    }

    /// Closes the listeners and every connection.
    public func stop() async {
        await mqtt.stop()
        await https?.stop()
        if let ownedGroup {
            try? await ownedGroup.shutdownGracefully()
        } else {
            // On a shared group the accepted connections are closed here; the group lives on.
            await mqtt.connections.closeAll()
            await https?.connections.closeAll()
        }
    }
}
