import MQTTWire
import NIOCore

/// What the proxy's framing passes on: a packet with its bytes, or, once a packet could not be
/// decoded, the bytes as they come (the proxy forwards them unchanged: the service, not the
/// proxy, decides what to make of them).
enum ProxyFrame {
    case packet(FramedPacket)
    /// The packet the decoder refused (noted once, with the reason), and its bytes.
    case undecodable(MalformedPacket, bytes: [UInt8])
    case opaque([UInt8])
}

/// MQTT framing for a proxy: MQTTWire's strict decoder while the stream decodes; after the first
/// packet it refuses, everything is passed on as opaque bytes. Bytes buffered by a packet larger
/// than the limit are passed on as they are too, so the proxy's memory stays bounded.
final class ProxyFramingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ProxyFrame

    private var cutter: PacketCutter
    private var opaque = false

    init(maximumPacketSize: Int) {
        cutter = PacketCutter(maximumPacketSize: maximumPacketSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if opaque {
            context.fireChannelRead(wrapInboundOut(.opaque(bytes)))
            return
        }
        let (packets, refused) = cutter.cut(bytes)
        for packet in packets { context.fireChannelRead(wrapInboundOut(.packet(packet))) }
        if let refused {
            opaque = true
            let malformed = MalformedPacket(error: refused.error, leadingBytes: Array(refused.rest.prefix(64)))
            context.fireChannelRead(wrapInboundOut(.undecodable(malformed, bytes: refused.rest)))
        }
    }
}
