import DPSCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The HTTPS (REST) front end of the fake (DPS port 443): TLS, HTTP/1.1 with keep-alive and
/// pipelining, one DPS exchange per request. The pipeline above TLS is assembled here and nowhere else.
enum HTTPSFrontEnd {
    static func start(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext,
                      service: ProvisioningService, transcript: Transcript, logger: Logger,
                      limits: ConnectionLimits = .defaults, gate: ConnectionGate? = nil) async throws -> TLSListener {
        let clock = service.clock
        let gate = gate ?? ConnectionGate(limit: limits.maximumConnections)
        let refused: @Sendable (String, WireNote) -> Void = { id, note in
            HTTPSRecorder(transcript: transcript, clock: clock, connection: id, logger: logger).note(note, transport: .tcp)
        }
        return try await TLSListener.bind(group: group, host: host, port: port, tls: tls, connectionPrefix: "https",
                                          limits: limits, gate: gate, refused: refused) { pipeline, info in
            let recorder = HTTPSRecorder(transcript: transcript, clock: clock, connection: info.id, logger: logger)
            try configureHTTP(pipeline, service: service, recorder: recorder, connection: info, limits: limits)
        }
    }

    /// The HTTP part of the pipeline, above TLS (tests drive it without TLS): the deadlines of
    /// each phase, NIO's HTTP/1.1 decoder (its header limits bound a head's buffered bytes) and
    /// encoder, its pipelining handler (responses in request order) and protocol-error handler
    /// (malformed HTTP is answered 400 and closed), the message assembler (body size limit), and
    /// the DPS exchange handler.
    static func configureHTTP(_ pipeline: ChannelPipeline.SynchronousOperations, service: ProvisioningService,
                              recorder: HTTPSRecorder, connection: ConnectionInfo, limits: ConnectionLimits = .defaults) throws {
        let deadlines = HTTPDeadlineHandler(limits: limits)
        try pipeline.addHandler(deadlines)
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
        try pipeline.addHandler(HTTPRequestAssembler(maximumBodySize: HTTPSLimits.maximumBodySize, deadlines: deadlines))
        try pipeline.addHandler(HTTPSExchangeHandler(service: service, recorder: recorder, connection: connection, deadlines: deadlines))
    }
}

/// Size limits of the HTTPS front end.
enum HTTPSLimits {
    /// DPS's maximum message size is 96 KB (Microsoft Learn DPS quotas and limits); a larger body is answered 413 before
    /// more of it is buffered, which bounds the body bytes buffered per connection.
    static let maximumBodySize = DPSLimits.maximumMessageBytes
}
