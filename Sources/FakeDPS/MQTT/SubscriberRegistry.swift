import DPSCore
import MQTTWire
import NIOCore
import Synchronization

/// The live connections that attested as a device (ID scope and registration ID) and subscribed
/// to the response filter. A response to an attested connection that did not subscribe goes to
/// another attested, subscribed connection of the same device, the way a broker routes by
/// subscription: this is what lets `mosquitto_sub` and `mosquitto_pub`, two connections of one
/// device, talk to the fake. Connections whose credentials were refused are never added, and
/// their requests are never routed here, so no connection receives another device's answers or
/// answers to a request some other, unauthenticated connection made.
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

    /// Adds `channel`, which attested as `device` and subscribed.
    func add(_ device: DeviceIdentity, channel: any Channel, recorder: WireRecorder) {
        subscribers.withLock { $0[device.routingKey, default: [:]][ObjectIdentifier(channel)] = Subscriber(channel: channel, recorder: recorder) }
    }

    func remove(_ device: DeviceIdentity, channel: any Channel) {
        let key = device.routingKey
        subscribers.withLock { table in
            table[key]?[ObjectIdentifier(channel)] = nil
            if table[key]?.isEmpty ?? false { table[key] = nil }
        }
    }

    /// Sends a response PUBLISH to another live, attested, subscribed connection of `device`;
    /// false when there is none. The caller has checked that the requester attested as `device`.
    func deliver(topic: String, payload: [UInt8], to device: DeviceIdentity, except channel: any Channel) -> Bool {
        let target = subscribers.withLock { table in
            table[device.routingKey]?.values.first { $0.channel !== channel && $0.channel.isActive }
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
