import NIOCore
import NIOSSL
import NIOTLS

/// Sits right above the TLS handler and gives the handshake `ConnectionLimits.tlsHandshake`
/// from accept: a client that never sends its ClientHello, or stalls half way, gets a
/// `DeadlineExpired` event down the pipeline, and the front end's handler records the close and
/// closes. The end of the handshake is passed on, so the next phase's deadline can start.
final class HandshakeDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let limits: ConnectionLimits
    private var timer = PhaseTimer()

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { timer.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.cancel()
        context.fireChannelInactive()
    }

    private var started = false

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        timer.start(.tlsHandshake, limits: limits, on: context.eventLoop) { [context] expired in
            context.fireUserInboundEventTriggered(expired)
        }
    }
}
