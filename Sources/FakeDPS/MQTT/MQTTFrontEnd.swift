import DPSCore
import Logging
import NIOCore
import NIOSSL

/// The MQTT-over-TLS front end of the fake (DPS port 8883): TLS, MQTT framing, one DPS session
/// per connection. The pipeline above TLS is assembled here and nowhere else.
enum MQTTFrontEnd {
    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger,
                      limits: ConnectionLimits = .defaults, gate: ConnectionGate? = nil) async throws -> TLSListener {
        let subscribers = SubscriberRegistry()
        let clock = service.clock
        let gate = gate ?? ConnectionGate(limit: limits.maximumConnections)
        let refused: @Sendable (String, WireNote) -> Void = { id, note in
            WireRecorder(transcript: transcript, clock: clock, connection: id, logger: logger).note(note, transport: .tcp)
        }
        return try await TLSListener.bind(group: group, host: host, port: port, tls: tls, connectionPrefix: "mqtt",
                                          limits: limits, gate: gate, refused: refused) { pipeline, info in
            let recorder = WireRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
            try pipeline.addHandler(MQTTFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
            try pipeline.addHandler(MQTTSessionHandler(service: service, recorder: recorder, connection: info, subscribers: subscribers, limits: limits))
        }
    }
}

/// Size limits of the MQTT front end: what one connection may make the fake buffer.
enum MQTTLimits {
    /// DPS's maximum message size is 96 KB (Microsoft Learn DPS quotas and limits).
    static let maximumMessageSize = DPSLimits.maximumMessageBytes
    /// Packets carry topic and header on top of the message; anything larger is refused while
    /// framing, as soon as its fixed header shows its length, before its body is buffered. This
    /// bounds the bytes buffered per connection.
    static let maximumPacketSize = maximumMessageSize + 1024
}
