import DPSCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTPS (REST) front end of the fake (DPS port 443): TLS, HTTP/1.1 with keep-alive and
/// pipelining, one DPS exchange per request. The pipeline is assembled here and nowhere else.
final class HTTPSFrontEnd: Sendable {
    let channel: any Channel
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger) async throws -> HTTPSFrontEnd {
        let counter = Atomic<Int>(0)
        let clock = service.clock
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = counter.add(1, ordering: .relaxed).newValue
                    let info = ConnectionInfo(id: "https#\(number)")
                    let recorder = HTTPSRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ServerTLSContext.handler(context: tls) { info.recordPeerCertificates($0) })
                    try configureHTTP(sync, service: service, recorder: recorder, connection: info)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPSFrontEnd(channel: channel)
    }

    /// The HTTP part of the pipeline, above TLS (tests drive it without TLS): NIO's HTTP/1.1
    /// decoder and encoder, its pipelining handler (responses in request order) and protocol-error
    /// handler (malformed HTTP is answered 400 and closed), the message assembler (size limit),
    /// and the DPS exchange handler.
    static func configureHTTP(_ pipeline: ChannelPipeline.SynchronousOperations, service: ProvisioningService,
                              recorder: HTTPSRecorder, connection: ConnectionInfo) throws {
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
        try pipeline.addHandler(HTTPRequestAssembler(maximumBodySize: HTTPSLimits.maximumBodySize))
        try pipeline.addHandler(HTTPSExchangeHandler(service: service, recorder: recorder, connection: connection))
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Size limits of the HTTPS front end.
enum HTTPSLimits {
    /// DPS's maximum message size is 96 KB (DOC-LIMITS); a larger body is answered 413.
    static let maximumBodySize = 96 * 1024
}
