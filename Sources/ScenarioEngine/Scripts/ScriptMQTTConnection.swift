import DPSCore
import Device
import MQTTWire

/// The MQTT side of a device script: packets written and read over one raw TLS connection with
/// MQTTWire's codec. Packets that arrive are queued until a step takes them; a QoS 1 response
/// is acknowledged as a device would. Every read has a deadline.
final class ScriptMQTTConnection {
    private let stream: RawTLSStream
    private var decoder = MQTTFrameDecoder()
    private var queue: [MQTTPacket] = []
    private(set) var closed = false
    private var nextPacketIdentifier: UInt16 = 1

    init(stream: RawTLSStream) {
        self.stream = stream
    }

    func takePacketIdentifier() -> UInt16 {
        defer { nextPacketIdentifier = nextPacketIdentifier == UInt16.max ? 1 : nextPacketIdentifier + 1 }
        return nextPacketIdentifier
    }

    func send(_ packet: MQTTPacket) async throws(ScriptStepError) {
        let bytes: [UInt8]
        do { bytes = try packet.encode() } catch { throw ScriptStepError("cannot encode \(packet.packetType.name): \(error)") }
        try await sendRaw(bytes)
    }

    func sendRaw(_ bytes: [UInt8]) async throws(ScriptStepError) {
        guard !closed else { throw ScriptStepError("the MQTT connection is closed") }
        do { try await stream.send(bytes) } catch { throw ScriptStepError(error.reason) }
    }

    /// The first queued or arriving packet that `accept` takes, before `deadline`; nil when the
    /// deadline passed or the connection closed first (`closed` then tells which).
    func next(until deadline: ContinuousClock.Instant, where accept: (MQTTPacket) -> Bool) async -> MQTTPacket? {
        while true {
            if let index = queue.firstIndex(where: accept) { return queue.remove(at: index) }
            if closed || ContinuousClock.now >= deadline { return nil }
            let (bytes, isClosed) = await stream.receive(until: deadline)
            do {
                for packet in try decoder.feed(bytes) {
                    if case .publish(let publish) = packet, publish.qos == .atLeastOnce, let id = publish.packetIdentifier {
                        try? await send(.pubAck(packetIdentifier: id))
                    }
                    queue.append(packet)
                }
            } catch {
                // What the service sent cannot be read: the connection is of no further use.
                closed = true
                await stream.close()
            }
            if isClosed { closed = true }
        }
    }

    /// Whether a packet `accept` takes is already queued (removing it).
    func takeQueued(where accept: (MQTTPacket) -> Bool) -> Bool {
        guard let index = queue.firstIndex(where: accept) else { return false }
        queue.remove(at: index)
        return true
    }

    func close() async {
        closed = true
        await stream.close()
    }
}

/// Why a step could not run (no connection, no TLS, a placeholder without a value).
struct ScriptStepError: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
