import DPSCore
import Logging
import NIOCore
import NIOSSL

/// The MQTT-over-TLS front end of the fake (DPS port 8883): TLS, MQTT framing, one DPS session
/// per connection. The pipeline above TLS is assembled here and nowhere else.
enum MQTTFrontEnd {
    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger) async throws -> TLSListener {
        let subscribers = SubscriberRegistry()
        let clock = service.clock
        return try await TLSListener.bind(group: group, host: host, port: port, tls: tls, connectionPrefix: "mqtt") { pipeline, info in
            let recorder = WireRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
            try pipeline.addHandler(MQTTFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
            try pipeline.addHandler(MQTTSessionHandler(service: service, recorder: recorder, connection: info, subscribers: subscribers))
        }
    }
}

/// Size limits of the MQTT front end.
enum MQTTLimits {
    /// DPS's maximum message size is 96 KB (Microsoft Learn DPS quotas and limits).
    static let maximumMessageSize = DPSLimits.maximumMessageBytes
    /// Packets carry topic and header on top of the message; anything larger is refused while framing.
    static let maximumPacketSize = maximumMessageSize + 1024
}
