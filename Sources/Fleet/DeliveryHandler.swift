import MQTTWire
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// The last handler of a fleet connection: hands decoded messages, the handshake's end, the first
/// error and the close to the connection's queue. Errors end here, in one place that closes.
final class DeliveryHandler<Message: Sendable>: ChannelInboundHandler {
    typealias InboundIn = Message

    private let queue: InboundQueue<Message>

    init(queue: InboundQueue<Message>) {
        self.queue = queue
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queue.deliver(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            queue.handshakeCompleted()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        queue.finish(Self.classify(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.finish(FleetFailure(.connectionClosed, "the connection was closed"))
        context.fireChannelInactive()
    }

    static func classify(_ error: any Error) -> FleetFailure {
        switch error {
        case let failure as FleetFailure: failure
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError: FleetFailure(.tls, "TLS: \(error)")
        case let wire as MQTTWireError: FleetFailure(.protocolError, "MQTT: \(wire)")
        case is HTTPParserError: FleetFailure(.protocolError, "HTTP: \(error)")
        case is IOError: FleetFailure(.connectionClosed, "\(error)")
        default: FleetFailure(.protocolError, "\(error)")
        }
    }
}
