import DPSCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// A running fake DPS: the provisioning service and its front ends on one event-loop group.
public final class FakeDPSServer: Sendable {
    public let service: ProvisioningService
    public let transcript: Transcript
    public let tls: TLSMaterial
    public let host: String
    /// The bound MQTT port (the requested one, or the ephemeral one chosen for port 0).
    public let mqttPort: Int
    /// The bound HTTPS port, or nil when the HTTPS front end is off.
    public let httpsPort: Int?
    private let group: MultiThreadedEventLoopGroup
    private let mqtt: TLSListener
    private let https: TLSListener?

    private init(service: ProvisioningService, transcript: Transcript, tls: TLSMaterial, host: String,
                 group: MultiThreadedEventLoopGroup, mqtt: TLSListener, https: TLSListener?) {
        self.service = service
        self.transcript = transcript
        self.tls = tls
        self.host = host
        self.group = group
        self.mqtt = mqtt
        self.mqttPort = mqtt.port
        self.https = https
        self.httpsPort = https?.port
    }

    /// Starts the fake on `host` (127.0.0.1 by default: loopback only) with fresh TLS material.
    /// `httpsPort` nil leaves the HTTPS front end off; 0 picks a free port.
    public static func start(configuration: ServiceConfiguration, clock: any DPSClock, host: String = "127.0.0.1",
                             mqttPort: Int = 0, httpsPort: Int? = nil, transcript: Transcript = Transcript(),
                             logger: Logger = Logger(label: "dpsconform.fake")) async throws -> FakeDPSServer {
        let tls = try TLSMaterial.generate(fault: configuration.serverTLS.certificateFault)
        let context = try ServerTLSContext.make(material: tls, versions: configuration.serverTLS.versions)
        let service = ProvisioningService(configuration: configuration, clock: clock)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let mqtt = try await MQTTFrontEnd.start(group: group, host: host, port: mqttPort, tls: context,
                                                    service: service, transcript: transcript, logger: logger)
            var https: TLSListener?
            if let httpsPort {
                do {
                    https = try await HTTPSFrontEnd.start(group: group, host: host, port: httpsPort, tls: context,
                                                          service: service, transcript: transcript, logger: logger)
                } catch {
                    await mqtt.stop()
                    throw error
                }
            }
            return FakeDPSServer(service: service, transcript: transcript, tls: tls, host: host, group: group, mqtt: mqtt, https: https)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

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
        try? await group.shutdownGracefully()
    }
}
