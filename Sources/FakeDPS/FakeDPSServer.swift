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
    private let group: MultiThreadedEventLoopGroup
    private let mqtt: MQTTFrontEnd

    private init(service: ProvisioningService, transcript: Transcript, tls: TLSMaterial, host: String,
                 group: MultiThreadedEventLoopGroup, mqtt: MQTTFrontEnd) {
        self.service = service
        self.transcript = transcript
        self.tls = tls
        self.host = host
        self.group = group
        self.mqtt = mqtt
        self.mqttPort = mqtt.port
    }

    /// Starts the fake on `host` (127.0.0.1 by default: loopback only) with fresh TLS material.
    public static func start(configuration: ServiceConfiguration, clock: any DPSClock, host: String = "127.0.0.1",
                             mqttPort: Int = 0, transcript: Transcript = Transcript(),
                             logger: Logger = Logger(label: "dpsconform.fake")) async throws -> FakeDPSServer {
        let tls = try TLSMaterial.generate()
        let context = try ServerTLSContext.make(material: tls)
        let service = ProvisioningService(configuration: configuration, clock: clock)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let mqtt = try await MQTTFrontEnd.start(group: group, host: host, port: mqttPort, tls: context,
                                                    service: service, transcript: transcript, logger: logger)
            return FakeDPSServer(service: service, transcript: transcript, tls: tls, host: host, group: group, mqtt: mqtt)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The endpoint description for clients; `caFile` is where the caller wrote the CA.
    public func endpoint(caFile: String?) -> ServiceEndpoint {
        ServiceEndpoint(host: host, mqttPort: mqttPort, httpsPort: nil, idScope: service.configuration.idScope, caFile: caFile)
    }

    /// Closes the listeners and every connection.
    public func stop() async {
        await mqtt.stop()
        try? await group.shutdownGracefully()
    }
}
