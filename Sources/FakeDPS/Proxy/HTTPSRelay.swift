import DPSCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One device connection of the recording proxy over HTTPS: each whole request is recorded,
/// forwarded to the service on an upstream connection of its own (opened at the first request,
/// opened again when the service closed it), and the service's answer is recorded and written
/// back. NIO's pipelining handler below holds the next request back until the answer has ended,
/// so requests go upstream one at a time, in order.
final class HTTPSRelayHandler: ChannelInboundHandler {
    typealias InboundIn = AssembledRequest
    typealias OutboundOut = HTTPServerResponsePart

    private enum UpstreamState {
        case idle
        case connecting
        case open(any Channel)
    }

    private struct InFlight {
        let head: HTTPRequestHead
        let body: [UInt8]
        let number: Int
        let kind: DeviceRequestKind?
        let device: String
    }

    private let upstream: ProxyUpstream
    private let tls: NIOSSLContext
    private let recorder: HTTPSRecorder
    private let pacer: UpstreamPacer
    private let failures: ProxyFailures
    private let info: ConnectionInfo
    private var state: UpstreamState = .idle
    private var inFlight: InFlight?
    private var requestCount = 0
    private var certificatesNoted = false
    private var closeNoted = false
    private var deviceContext: ChannelHandlerContext?
    private var sendTask: Scheduled<Void>?

    init(upstream: ProxyUpstream, tls: NIOSSLContext, recorder: HTTPSRecorder, pacer: UpstreamPacer, failures: ProxyFailures, info: ConnectionInfo) {
        self.upstream = upstream
        self.tls = tls
        self.recorder = recorder
        self.pacer = pacer
        self.failures = failures
        self.info = info
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deviceContext = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !certificatesNoted {
            certificatesNoted = true
            recorder.clientCertificates(info.peerCertificates())
        }
        requestCount += 1
        switch unwrapInboundIn(data) {
        case .oversized(let head, let size):
            // The body was not kept, so it cannot be forwarded: the device gets the service's own
            // answer to an oversized message (413) from the proxy, and the connection closes.
            recorder.oversizedRequest(head, size: size, number: requestCount)
            let refusal = HTTPSRefusal(.bodyTooLarge, "a body of \(size) bytes is over the \(HTTPSLimits.maximumBodySize)-byte message limit",
                                       requirement: .dpsHttpBody002)
            recorder.refused(refusal, method: head.method.rawValue, target: head.uri)
            let reply = HTTPSReply.refusal(refusal, at: Date(), requestID: recorder.requestID(requestCount))
            write(reply, version: head.version, keepAlive: false, kind: nil, number: requestCount)
        case .complete(let message):
            recorder.request(message, number: requestCount)
            let route = try? DPSRoute(method: message.head.method.rawValue, target: message.head.uri)
            let device = route?.registrationID ?? recorder.connection
            let delay = route == nil ? .zero : pacer.delay(for: device)
            inFlight = InFlight(head: message.head, body: message.body, number: requestCount, kind: route?.kind, device: device)
            if delay > .zero {
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                sendTask = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.seconds * 1e9))) { bound.value.send() }
            } else {
                send()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            recorder.note(.malformed(requirement: .dpsHttpMsg001, reason: "not HTTP/1.1 (\(error)); answered 400 Bad Request and closed"))
            closeNoted = true
        } else {
            noteClose(.transport(error))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        noteClose(.peerClosed)
        sendTask?.cancel()
        if case .open(let channel) = state { channel.close(promise: nil) }
        state = .idle
        inFlight = nil
        deviceContext = nil
        context.fireChannelInactive()
    }

    // MARK: The service side

    private func send() {
        guard let request = inFlight, deviceContext != nil else { return }
        switch state {
        case .connecting:
            return
        case .idle:
            connect()
        case .open(let channel):
            var head = request.head
            head.headers.replaceOrAdd(name: "Host", value: upstream.httpAuthority)
            // The proxy has the whole body: the service need not be asked to continue.
            head.headers.remove(name: "Expect")
            head.headers.remove(name: "Transfer-Encoding")
            head.headers.replaceOrAdd(name: "Content-Length", value: String(request.body.count))
            if request.body.isEmpty, head.method == .GET || head.method == .DELETE { head.headers.remove(name: "Content-Length") }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if !request.body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: request.body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
    }

    /// The service's whole answer to the request in flight.
    func fromService(_ head: HTTPResponseHead, body: [UInt8]) {
        guard let request = inFlight else { return }
        inFlight = nil
        pacer.retryAfter(head.headers.first(name: "retry-after"), device: request.device)
        var headers: [(name: String, value: String)] = []
        for field in head.headers {
            switch field.name.lowercased() {
            case "transfer-encoding", "connection", "keep-alive", "content-length": continue
            default: headers.append((field.name, field.value))
            }
        }
        headers.append(("Content-Length", String(body.count)))
        let serviceCloses = !head.isKeepAlive
        if serviceCloses, case .open(let channel) = state {
            state = .idle
            channel.close(promise: nil)
        }
        let reply = HTTPSReply(status: Int(head.status.code), headers: headers, body: body)
        write(reply, version: request.head.version, keepAlive: request.head.isKeepAlive, kind: request.kind, number: request.number)
    }

    /// The upstream connection ended: a request still waiting for its answer ends the device's
    /// connection the same way; otherwise the next request opens a new upstream connection.
    func serviceClosed(_ channel: any Channel, error: (any Error)?) {
        if case .open(let current) = state, current !== channel { return }
        state = .idle
        if let error {
            let message = ProxyFailures.describe(error, upstream: upstream, transport: "HTTPS")
            failures.add(message)
            noteClose(.error(message))
            deviceContext?.close(promise: nil)
        } else if inFlight != nil {
            noteClose(.byService)
            deviceContext?.close(promise: nil)
        }
    }

    private func write(_ reply: HTTPSReply, version: HTTPVersion, keepAlive: Bool, kind: DeviceRequestKind?, number: Int) {
        guard let context = deviceContext else { return }
        let head = reply.head(version: version, keepAlive: keepAlive)
        recorder.response(reply, head: head, answering: kind, number: number)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !reply.body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    private func connect() {
        guard let port = upstream.httpsPort, let context = deviceContext else {
            let message = "the upstream has no HTTPS port"
            failures.add(message)
            noteClose(.error(message))
            deviceContext?.close(promise: nil)
            return
        }
        state = .connecting
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        upstream.connect(port: port, tls: tls, on: context.eventLoop) { sync in
            try sync.addHTTPClientHandlers()
            try sync.addHandler(UpstreamHTTPHandler(relay: bound))
        }
            .whenComplete { result in
                let relay = bound.value
                switch result {
                case .success(let channel):
                    guard case .connecting = relay.state, relay.deviceContext != nil else {
                        channel.close(promise: nil)
                        return
                    }
                    relay.state = .open(channel)
                    relay.send()
                case .failure(let error):
                    relay.state = .idle
                    let message = ProxyFailures.describe(error, upstream: relay.upstream, transport: "HTTPS")
                    relay.failures.add(message)
                    relay.noteClose(.error(message))
                    relay.deviceContext?.close(promise: nil)
                }
            }
    }

    private func noteClose(_ cause: CloseCause) {
        guard !closeNoted else { return }
        closeNoted = true
        recorder.note(.closed(cause))
    }
}

/// The upstream end of an HTTPS relay: collects each response and hands it to the relay.
final class UpstreamHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let relay: NIOLoopBound<HTTPSRelayHandler>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var failure: (any Error)?

    init(relay: NIOLoopBound<HTTPSRelayHandler>) {
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            // An interim answer (100 Continue) is not the response.
            if received.status.code >= 200 {
                head = received
                body = []
            }
        case .body(var buffer):
            guard head != nil else { return }
            if body.count + buffer.readableBytes > HTTPSLimits.maximumBodySize * 4 {
                failure = failure ?? ResponseTooLarge()
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            if let received = head {
                head = nil
                relay.value.fromService(received, body: body)
                body = []
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if CloseCause.transport(error) != .peerClosed { failure = failure ?? error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.value.serviceClosed(context.channel, error: failure)
        context.fireChannelInactive()
    }

    struct ResponseTooLarge: Error, CustomStringConvertible {
        var description: String { "the service's response body is over \(HTTPSLimits.maximumBodySize * 4) bytes" }
    }
}
