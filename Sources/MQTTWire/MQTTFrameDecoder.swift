/// Cuts a byte stream (one network connection) into MQTT packets.
///
/// Feed it chunks split anywhere, even one byte at a time; it hands back whole packets in order
/// and waits on a partial one. A packet that breaks a rule, or whose declared size exceeds
/// `maximumPacketSize`, fails as soon as its fixed header shows it, without buffering its body.
/// After the first error the decoder stays failed: every later call throws that same error and
/// further bytes are dropped, because the connection must be closed [MQTT-4.8.0-1].
public struct MQTTFrameDecoder: Sendable {
    /// 256 KiB: room for DPS's 96 KB message limit plus topic and headers.
    public static let defaultMaximumPacketSize = 262_144

    /// The largest whole packet (fixed header included) accepted, in bytes.
    public let maximumPacketSize: Int
    /// The error that ended decoding, if any.
    public private(set) var failure: MQTTWireError?

    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// `maximumPacketSize` is clamped to 2 (the smallest packet) ... 268,435,460 (MQTT's largest).
    public init(maximumPacketSize: Int = MQTTFrameDecoder.defaultMaximumPacketSize) {
        self.maximumPacketSize = min(max(maximumPacketSize, 2), FixedHeader.maximumPacketSize)
    }

    /// Bytes received but not yet returned as packets.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds received bytes. Dropped once the decoder has failed.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole packet, or nil until more bytes arrive.
    public mutating func nextPacket() throws(MQTTWireError) -> MQTTPacket? {
        if let failure { throw failure }
        do throws(MQTTWireError) {
            guard let header = try FixedHeader.parse(buffer, from: readIndex, to: buffer.count,
                                                     maximumPacketSize: maximumPacketSize),
                  buffer.count - readIndex >= header.packetLength else {
                return nil
            }
            let packet = try MQTTPacket.decode(header, in: buffer, at: readIndex)
            consume(header.packetLength)
            return packet
        } catch {
            fail(with: error)
            throw error
        }
    }

    /// Appends `bytes` and returns every packet they complete, in order.
    ///
    /// If a packet is bad, the packets before it are returned and the error is thrown by the
    /// next call; if none came before it, the error is thrown at once.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(MQTTWireError) -> [MQTTPacket] {
        append(bytes)
        var packets: [MQTTPacket] = []
        do throws(MQTTWireError) {
            while let packet = try nextPacket() {
                packets.append(packet)
            }
        } catch {
            if packets.isEmpty { throw error }
        }
        return packets
    }

    private mutating func consume(_ count: Int) {
        readIndex += count
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * maximumPacketSize)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            // Compact once the consumed prefix dominates, keeping appends amortised O(1).
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }

    private mutating func fail(with error: MQTTWireError) {
        failure = error
        buffer = []
        readIndex = 0
    }
}
