import DPSCore
import MQTTWire
import NIOCore
import Synchronization

/// The live connections that subscribed to the response filter, per device. A response to a
/// connection that did not subscribe goes to the device's subscribed connection, the way a broker
/// routes by subscription: this is what lets `mosquitto_sub` and `mosquitto_pub`, two connections
/// of one device, talk to the fake.
final class SubscriberRegistry: Sendable {
    private final class Subscriber: Sendable {
        let channel: any Channel
        let recorder: WireRecorder
        let nextPacketIdentifier = Mutex<UInt16>(0x8000)

        init(channel: any Channel, recorder: WireRecorder) {
            self.channel = channel
            self.recorder = recorder
        }

        func takePacketIdentifier() -> UInt16 {
            nextPacketIdentifier.withLock { id in
                defer { id = id == UInt16.max ? 0x8000 : id + 1 }
                return id
            }
        }
    }

    private let subscribers = Mutex<[String: [ObjectIdentifier: Subscriber]]>([:])

    func add(_ registrationID: String, channel: any Channel, recorder: WireRecorder) {
        subscribers.withLock { $0[registrationID.lowercased(), default: [:]][ObjectIdentifier(channel)] = Subscriber(channel: channel, recorder: recorder) }
    }

    func remove(_ registrationID: String, channel: any Channel) {
        subscribers.withLock { table in
            table[registrationID.lowercased()]?[ObjectIdentifier(channel)] = nil
            if table[registrationID.lowercased()]?.isEmpty ?? false { table[registrationID.lowercased()] = nil }
        }
    }

    /// Sends a response PUBLISH to another live subscribed connection of `registrationID`;
    /// false when there is none.
    func deliver(topic: String, payload: [UInt8], to registrationID: String, except channel: any Channel) -> Bool {
        let target = subscribers.withLock { table in
            table[registrationID.lowercased()]?.values.first { $0.channel !== channel && $0.channel.isActive }
        }
        guard let target else { return false }
        let packet = MQTTPacket.publish(MQTTPublish(topicName: topic, payload: payload, qos: .atLeastOnce,
                                                    packetIdentifier: target.takePacketIdentifier()))
        guard let bytes = try? packet.encode() else { return false }
        target.recorder.outbound(packet, raw: bytes)
        target.channel.writeAndFlush(target.channel.allocator.buffer(bytes: bytes), promise: nil)
        return true
    }
}
