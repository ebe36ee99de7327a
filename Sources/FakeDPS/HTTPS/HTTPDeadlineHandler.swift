import NIOCore
import NIOSSL
import NIOTLS

/// The deadlines of an HTTP/1.1 connection, between TLS and NIO's HTTP decoder (it sees the
/// bytes as they arrive; the assembler and exchange handler tell it where a request stands):
///
/// - request head: from the end of the TLS handshake, or the first byte of a later request, to
///   the whole head (a slowloris head trickled a header at a time never completes);
/// - request body: from the head to the end of the body (a chunked body never closed);
/// - keep-alive idle: from a response to the first byte of the next request.
///
/// While the service answers there is no deadline. When one runs out, or the TLS handshake's
/// does, `expired` (set by the exchange handler) records the close and closes.
final class HTTPDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Stage {
        case handshaking
        case awaitingHead
        case receivingBody
        case answering
        case idle
    }

    private let limits: ConnectionLimits
    private var timer = PhaseTimer()
    private var stage = Stage.handshaking
    private var loop: (any EventLoop)?
    /// Bytes of a further request arrived while one was being answered (pipelining).
    private var nextRequestStarted = false
    /// Closes the connection with its cause recorded; set by the exchange handler.
    var expired: ((DeadlineExpired) -> Void)?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        loop = context.eventLoop
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch stage {
        case .idle:
            start(.requestHead, stage: .awaitingHead)
        case .answering:
            nextRequestStarted = true
        case .handshaking, .awaitingHead, .receivingBody:
            break
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let deadline = event as? DeadlineExpired {
            expire(deadline)
            return
        }
        if case .handshakeCompleted? = event as? TLSUserEvent, case .handshaking = stage {
            start(.requestHead, stage: .awaitingHead)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.cancel()
        context.fireChannelInactive()
    }

    /// A request's whole head has arrived.
    func headReceived() {
        start(.requestBody, stage: .receivingBody)
    }

    /// A request's body has ended; the service answers it.
    func requestEnded() {
        timer.cancel()
        stage = .answering
        nextRequestStarted = false
    }

    /// A response is about to end; with keep-alive the connection waits for the next request.
    /// Called before the response's end is written, since that releases any pipelined request.
    func responseEnding(keepAlive: Bool) {
        guard keepAlive else {
            timer.cancel()
            stage = .answering
            return
        }
        if nextRequestStarted {
            nextRequestStarted = false
            start(.requestHead, stage: .awaitingHead)
        } else {
            start(.httpIdle, stage: .idle)
        }
    }

    private func start(_ phase: ConnectionPhase, stage: Stage) {
        self.stage = stage
        guard let loop else { return }
        timer.start(phase, limits: limits, on: loop) { [weak self] deadline in
            self?.expire(deadline)
        }
    }

    private func expire(_ deadline: DeadlineExpired) {
        timer.cancel()
        expired?(deadline)
    }
}
