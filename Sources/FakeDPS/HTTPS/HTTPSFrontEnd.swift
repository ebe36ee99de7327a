import DPSCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The HTTPS (REST) front end of the fake (DPS port 443): TLS, HTTP/1.1 with keep-alive and
/// pipelining, one DPS exchange per request. The pipeline above TLS is assembled here and nowhere else.
enum HTTPSFrontEnd {
    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger) async throws -> TLSListener {
        let clock = service.clock
        return try await TLSListener.bind(group: group, host: host, port: port, tls: tls, connectionPrefix: "https") { pipeline, info in
            let recorder = HTTPSRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
            try configureHTTP(pipeline, service: service, recorder: recorder, connection: info)
        }
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
}

/// Size limits of the HTTPS front end.
enum HTTPSLimits {
    /// DPS's maximum message size is 96 KB (Microsoft Learn DPS quotas and limits); a larger body is answered 413.
    static let maximumBodySize = DPSLimits.maximumMessageBytes
}
