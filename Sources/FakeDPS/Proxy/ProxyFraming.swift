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

    private var decoder: MQTTFrameDecoder
    private var pending: [UInt8] = []
    private var opaque = false

    init(maximumPacketSize: Int) {
        decoder = MQTTFrameDecoder(maximumPacketSize: maximumPacketSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if opaque {
            context.fireChannelRead(wrapInboundOut(.opaque(bytes)))
            return
        }
        decoder.append(bytes)
        pending.append(contentsOf: bytes)
        do {
            while true {
                let before = decoder.bufferedByteCount
                guard let packet = try decoder.nextPacket() else { break }
                let consumed = before - decoder.bufferedByteCount
                let raw = Array(pending.prefix(consumed))
                pending.removeFirst(min(consumed, pending.count))
                context.fireChannelRead(wrapInboundOut(.packet(FramedPacket(packet: packet, raw: raw))))
            }
        } catch {
            opaque = true
            let rest = pending
            pending.removeAll()
            context.fireChannelRead(wrapInboundOut(.undecodable(MalformedPacket(error: error, leadingBytes: Array(rest.prefix(64))), bytes: rest)))
        }
    }
}
