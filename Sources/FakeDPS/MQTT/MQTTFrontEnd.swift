import DPSCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The MQTT-over-TLS front end of the fake (DPS port 8883): TLS, MQTT framing, one DPS session
/// per connection. The pipeline is assembled here and nowhere else.
final class MQTTFrontEnd: Sendable {
    let channel: any Channel
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger) async throws -> MQTTFrontEnd {
        let counter = Atomic<Int>(0)
        let subscribers = SubscriberRegistry()
        let clock = service.clock
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = counter.add(1, ordering: .relaxed).newValue
                    let info = ConnectionInfo(id: "mqtt#\(number)")
                    let recorder = WireRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ServerTLSContext.handler(context: tls) { info.recordPeerCertificates($0) })
                    try sync.addHandler(MQTTFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
                    try sync.addHandler(MQTTSessionHandler(service: service, recorder: recorder, connection: info, subscribers: subscribers))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return MQTTFrontEnd(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Size limits of the MQTT front end.
enum MQTTLimits {
    /// DPS's maximum message size is 96 KB (DOC-LIMITS).
    static let maximumMessageSize = 96 * 1024
    /// Packets carry topic and header on top of the message; anything larger is refused while framing.
    static let maximumPacketSize = maximumMessageSize + 1024
}
