import MQTTWire
import NIOCore

/// One decoded MQTT packet and the exact bytes it arrived as.
struct FramedPacket {
    let packet: MQTTPacket
    let raw: [UInt8]
}

/// Cuts a byte stream into MQTT packets with MQTTWire's strict decoder, keeping each packet's
/// exact bytes; after the first packet it refuses it cuts no more.
struct PacketCutter {
    private var decoder: MQTTFrameDecoder
    private var pending: [UInt8] = []

    init(maximumPacketSize: Int) {
        decoder = MQTTFrameDecoder(maximumPacketSize: maximumPacketSize)
    }

    /// The whole packets `bytes` completes, and the refusal with every byte from the refused
    /// packet on, if the decoder refused one.
    mutating func cut(_ bytes: [UInt8]) -> (packets: [FramedPacket], refused: (error: MQTTWireError, rest: [UInt8])?) {
        decoder.append(bytes)
        pending.append(contentsOf: bytes)
        var packets: [FramedPacket] = []
        do {
            while true {
                let before = decoder.bufferedByteCount
                guard let packet = try decoder.nextPacket() else { break }
                let consumed = before - decoder.bufferedByteCount
                packets.append(FramedPacket(packet: packet, raw: Array(pending.prefix(consumed))))
                pending.removeFirst(min(consumed, pending.count))
            }
            return (packets, nil)
        } catch {
            let rest = pending
            pending.removeAll()
            return (packets, (error, rest))
        }
    }
}

/// Cuts the decrypted byte stream into MQTT packets with MQTTWire's strict decoder. A malformed
/// packet is passed on as an error event; the session decides to close (MQTT-3.1.1-4.8.0-1).
final class MQTTFramingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = FramedPacket

    private var cutter: PacketCutter
    private var failed = false

    init(maximumPacketSize: Int) {
        cutter = PacketCutter(maximumPacketSize: maximumPacketSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        let (packets, refused) = cutter.cut(buffer.readBytes(length: buffer.readableBytes) ?? [])
        for packet in packets { context.fireChannelRead(wrapInboundOut(packet)) }
        if let refused {
            failed = true
            context.fireErrorCaught(MalformedPacket(error: refused.error, leadingBytes: Array(refused.rest.prefix(64))))
        }
    }
}

/// A packet the decoder refused, with the first bytes of what was buffered for the transcript.
struct MalformedPacket: Error {
    let error: MQTTWireError
    let leadingBytes: [UInt8]
}
