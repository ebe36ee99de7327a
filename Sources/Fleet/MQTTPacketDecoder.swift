import MQTTWire
import NIOCore

/// Frames the TLS byte stream into MQTT packets (MQTTWire's strict decoder).
final class MQTTPacketDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = MQTTPacket

    private var decoder = MQTTFrameDecoder()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for packet in try decoder.feed(buffer.readableBytesView) {
                context.fireChannelRead(wrapInboundOut(packet))
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }
}
