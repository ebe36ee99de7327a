import DPSCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Answers a device's HTTPS requests (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices): recognises the operation, checks the
/// body, attests the credentials (the `Authorization` SAS token or the TLS client certificate),
/// asks the service, carries out the fault plan, and writes the answer with the real service's
/// headers. HTTP is stateless:
/// every request is attested on its own. Requests are answered in order, one at a time (NIO's
/// pipelining handler holds back the next request until this one's response has ended).
final class HTTPSExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = AssembledRequest
    typealias OutboundOut = HTTPServerResponsePart

    private let service: ProvisioningService
    private let recorder: HTTPSRecorder
    private let connection: ConnectionInfo
    private var closing = false
    private var certificatesNoted = false
    /// Requests on this connection so far, and the kind of the one being answered (HTTP/1.1
    /// answers in order; NIO's pipelining handler holds the next request back meanwhile).
    private var requestCount = 0
    private var answering: DeviceRequestKind?

    private let deadlines: HTTPDeadlineHandler?

    init(service: ProvisioningService, recorder: HTTPSRecorder, connection: ConnectionInfo, deadlines: HTTPDeadlineHandler? = nil) {
        self.service = service
        self.recorder = recorder
        self.connection = connection
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines?.expired = { [weak self, weak context] deadline in
            guard let context else { return }
            self?.expire(deadline, context: context)
        }
    }

    /// A phase deadline ran out (TLS handshake, request head, body, keep-alive idle): the close is
    /// recorded with its phase and limit, and the connection closed without an answer.
    private func expire(_ deadline: DeadlineExpired, context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        recorder.note(.closed(deadline.cause))
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .oversized(let head, let size):
            requestCount += 1
            answering = nil
            recorder.oversizedRequest(head, size: size, number: requestCount)
            let refusal = HTTPSRefusal(.bodyTooLarge, "a body of \(size) bytes is over the \(HTTPSLimits.maximumBodySize)-byte message limit",
                                       requirement: .dpsHttpBody002)
            // The rest of the body is still on its way: the connection cannot be reused.
            refuse(refusal, request: head, keepAlive: false, context: context)
        case .complete(let message):
            handle(message, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once the front end has decided to close (413, Connection: close), the unread rest of a
        // request surfaces as a parse error at end of stream: that is not the device's fault.
        guard !closing else { return }
        if error is HTTPParserError {
            // HTTPServerProtocolErrorHandler has already answered 400 with Connection: close.
            recorder.note(.malformed(requirement: .dpsHttpMsg001, reason: "not HTTP/1.1 (\(error)); answered 400 Bad Request and closed"))
        } else {
            recorder.note(.closed(CloseCause.transport(error)))
        }
        closing = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closing { recorder.note(.closed(.peerClosed)) }
        closing = true
        context.fireChannelInactive()
    }

    private func handle(_ message: HTTPRequestMessage, context: ChannelHandlerContext) {
        let chain = connection.peerCertificates()
        if !certificatesNoted {
            certificatesNoted = true
            recorder.clientCertificates(chain)
        }
        requestCount += 1
        let head = message.head
        // What the request asks, by DPSCore's route grammar (resolved once for the transcript,
        // the answer and the refusal), even when it is refused below.
        let resolved = Result { () throws(DPSRouteError) in try DPSRoute(method: head.method.rawValue, target: head.uri) }
        recorder.request(message, number: requestCount, resolved: resolved)
        answering = try? resolved.get().kind
        let route: HTTPSRoute
        do throws(HTTPSRefusal) {
            route = try HTTPSRoute.resolve(resolved)
            try Self.checkBody(message.body, of: route)
            if service.configuration.quirks.requireUserAgent, head.headers.first(name: "user-agent")?.isEmpty ?? true {
                // Deliberate intolerance (DPS-SVC-HTTP-001): the C SDK sends `UserAgent`, not `User-Agent`.
                throw HTTPSRefusal(.missingUserAgent, "no User-Agent header (quirk requireUserAgent)", requirement: .dpsSvcHttp001)
            }
        } catch {
            refuse(error, request: head, keepAlive: head.isKeepAlive, context: context)
            return
        }
        answering = route.kind
        var operationID: String?
        if case .operationStatus(let id) = route.operation { operationID = id }
        // Poll bodies are ignored; register and lookup bodies go to the service as sent.
        let request = DeviceRequest(kind: route.kind, identity: route.identity, operationID: operationID,
                                    body: route.kind == .poll ? [] : message.body)
        let credentials = DeviceCredentials(sasToken: head.headers.first(name: "authorization"), clientCertificateChain: chain)
        let attestation = service.attest(route.identity, credentials: credentials)
        if case .refused(_, let reason, let requirement) = attestation {
            recorder.note(.attestationRefused(requirement: requirement, reason: Redaction.text(reason)))
        }
        let enactment = service.enactment(for: request)
        if enactment.drop != nil {
            // HTTP has no acknowledgement of its own: before or after it, the request goes unanswered.
            recorder.note(.fault(.connectionDropped("instead of answering")))
            recorder.note(.closed(.fault(reason: "connection dropped instead of answering")))
            closing = true
            context.close(promise: nil)
            return
        }
        // HTTP has no acknowledgement to withhold, and no connection or subscription phase.
        if enactment.withholdsAcknowledgement { recorder.note(.fault(.notApplicable("withholdAcknowledgement"))) }
        if let inapplicable = enactment.inapplicable { recorder.note(.fault(.notApplicable("\(inapplicable)"))) }
        let (response, note) = enactment.response(of: service, to: request, attestation: attestation)
        if let note { recorder.note(.fault(note)) }
        recorder.exchange(request, response)
        if enactment.withholdsAnswer {
            // Later requests on this connection wait behind the unanswered one, as on a real server.
            recorder.note(.fault(.responseWithheld(status: response.status)))
            service.clock.noteSettled(registrationID: request.identity.registrationID)
            return
        }
        let reply = HTTPSReply.answer(response, route: route, authority: Self.authority(of: head, context: context), requestID: Self.requestID())
        guard let duration = enactment.delay else {
            send(reply, request: head, keepAlive: head.isKeepAlive, context: context)
            return
        }
        sendLater(reply, after: duration, request: head, context: context)
    }

    /// Sends after the fault plan's delay (no wall time on a virtual clock).
    private func sendLater(_ reply: HTTPSReply, after duration: Duration, request: HTTPRequestHead, context: ChannelHandlerContext) {
        recorder.note(.fault(.responseDelayed(seconds: duration.seconds)))
        let wait = service.clock.realDelay(forAnswerAfter: duration)
        guard wait > .zero else {
            send(reply, request: request, keepAlive: request.isKeepAlive, context: context)
            return
        }
        let nanoseconds = Int64(wait.components.seconds) * 1_000_000_000 + Int64(wait.components.attoseconds / 1_000_000_000)
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            guard !closing else { return }
            send(reply, request: request, keepAlive: request.isKeepAlive, context: context)
        }
    }

    /// Register and status-lookup bodies are a JSON DeviceRegistration (OpenAPI: body required);
    /// a status lookup must not carry `csr` (OpenAPI 2025-07-01-preview).
    private static func checkBody(_ body: [UInt8], of route: HTTPSRoute) throws(HTTPSRefusal) {
        guard route.kind != .poll else { return }
        let registration: DeviceRegistration
        do {
            registration = try JSONText.decode(DeviceRegistration.self, from: body, what: "\(route.kind.rawValue) body")
        } catch {
            // Read as plain JSON only to say which refusal it is.
            guard (try? JSONText.decode(JSONValue.self, from: body, what: "body")) != nil else {
                throw HTTPSRefusal(.bodyNotJSON, "the \(route.kind.rawValue) body (\(body.count) bytes) is not JSON", requirement: .dpsHttpBody001)
            }
            throw HTTPSRefusal(.bodyNotRegistration, "\(error)", requirement: .dpsHttpBody001)
        }
        if route.kind == .statusLookup, registration.csr != nil {
            throw HTTPSRefusal(.csrInStatusLookup, "the status lookup body contains csr", requirement: .dpsHttpLookup001)
        }
    }

    private func refuse(_ refusal: HTTPSRefusal, request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        recorder.refused(refusal, method: request.method.rawValue, target: request.uri)
        send(HTTPSReply.refusal(refusal, at: service.clock.now(), requestID: Self.requestID()), request: request, keepAlive: keepAlive, context: context)
    }

    private func send(_ reply: HTTPSReply, request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        let head = reply.head(version: request.version, keepAlive: keepAlive)
        recorder.response(reply, head: head, answering: answering, number: requestCount)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        // A response to HEAD has no body (RFC 9110 §9.3.2), though it names the body's length.
        if !reply.body.isEmpty && request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: reply.body)))), promise: nil)
        }
        // Before the end is written: writing it releases a pipelined request, whose head starts its own deadline.
        deadlines?.responseEnding(keepAlive: keepAlive)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard !keepAlive else { return }
        closing = true
        let channel = context.channel
        written.whenComplete { _ in channel.close(promise: nil) }
    }

    /// Where the device reached the service, for `Location`: its `Host` header when that is a
    /// plain host[:port], else the listening address.
    private static func authority(of head: HTTPRequestHead, context: ChannelHandlerContext) -> String {
        if let host = head.headers.first(name: "host"), !host.isEmpty,
           host.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || Array(".-:[]".utf8).contains($0)) }) {
            return host
        }
        guard let address = context.localAddress, let ip = address.ipAddress, let port = address.port else { return "localhost" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    private static func requestID() -> String {
        UUID().uuidString.lowercased()
    }
}
