import MQTTWire
import NIOCore

/// One decoded MQTT packet and the exact bytes it arrived as.
struct FramedPacket {
    let packet: MQTTPacket
    let raw: [UInt8]
}

/// Cuts the decrypted byte stream into MQTT packets with MQTTWire's strict decoder. A malformed
/// packet is passed on as an error event; the session decides to close (MQTT-3.1.1-4.8.0-1).
final class MQTTFramingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = FramedPacket

    private var decoder: MQTTFrameDecoder
    private var pending: [UInt8] = []

    init(maximumPacketSize: Int) {
        decoder = MQTTFrameDecoder(maximumPacketSize: maximumPacketSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard decoder.failure == nil else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        decoder.append(bytes)
        pending.append(contentsOf: bytes)
        do {
            while true {
                let before = decoder.bufferedByteCount
                guard let packet = try decoder.nextPacket() else { break }
                let consumed = before - decoder.bufferedByteCount
                let raw = Array(pending.prefix(consumed))
                pending.removeFirst(min(consumed, pending.count))
                context.fireChannelRead(wrapInboundOut(FramedPacket(packet: packet, raw: raw)))
            }
        } catch {
            let raw = Array(pending.prefix(64))
            pending.removeAll()
            context.fireErrorCaught(MalformedPacket(error: error, leadingBytes: raw))
        }
    }
}

/// A packet the decoder refused, with the first bytes of what was buffered for the transcript.
struct MalformedPacket: Error {
    let error: MQTTWireError
    let leadingBytes: [UInt8]
}
