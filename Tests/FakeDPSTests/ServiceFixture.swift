import DPSCore
@testable import FakeDPS
import Foundation
import Logging
import MQTTWire
import NIOCore
import NIOEmbedded

enum ServiceFixture {
    static let key = "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="
    static let scope = "0ne00FA4E01"

    static func configuration(_ adjust: (inout ServiceConfiguration) -> Void = { _ in }) -> ServiceConfiguration {
        var configuration = ServiceConfiguration(idScope: scope)
        configuration.enrollments = EnrollmentSet(individuals: [
            IndividualEnrollment(registrationID: "dev-1", attestation: .symmetricKey(primaryKey: key, secondaryKey: nil),
                                 allocation: .static(hub: "hub-1.azure-devices.net")),
            IndividualEnrollment(registrationID: "dev-off", attestation: .symmetricKey(primaryKey: key, secondaryKey: nil),
                                 allocation: .static(hub: "hub-1.azure-devices.net"), enabled: false),
            IndividualEnrollment(registrationID: "dev-nohub", attestation: .symmetricKey(primaryKey: key, secondaryKey: nil),
                                 allocation: .hashed(hubs: [])),
        ])
        adjust(&configuration)
        return configuration
    }

    static func token(for id: String = "dev-1", key: String = key, clock: any DPSClock, lifetime: TimeInterval = 3600) throws -> String {
        let resource = SASToken.resourceText(idScope: scope, registrationID: id, encoding: .upperHex)
        return try SASToken.create(resource: resource, keyBase64: key, expiry: Int64(clock.now().timeIntervalSince1970 + lifetime),
                                   keyName: "registration").text
    }

    static func identity(_ id: String = "dev-1") -> DeviceIdentity {
        DeviceIdentity(idScope: scope, registrationID: id, apiVersion: APIVersion.deviceDefault)
    }

    static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// The MQTT front end's handlers on an EmbeddedChannel: bytes in, packets out, no sockets.
final class MQTTSession {
    let channel = EmbeddedChannel()
    let transcript = Transcript()
    let clock = VirtualClock()
    let service: ProvisioningService

    init(configuration: ServiceConfiguration = ServiceFixture.configuration()) throws {
        service = ProvisioningService(configuration: configuration, clock: clock)
        let info = ConnectionInfo(id: "mqtt#test")
        let recorder = WireRecorder(transcript: transcript, clock: clock, connection: info.id, logger: ServiceFixture.quietLogger)
        try channel.pipeline.syncOperations.addHandler(MQTTFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
        try channel.pipeline.syncOperations.addHandler(MQTTSessionHandler(service: service, recorder: recorder, connection: info))
        // An EmbeddedChannel is inactive until connected; a closed one is inactive again.
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8883)).wait()
    }

    func send(_ packet: MQTTPacket) throws {
        try send(bytes: try packet.encode())
    }

    func send(bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    /// Every packet the fake has written since the last call.
    func received() throws -> [MQTTPacket] {
        var decoder = MQTTFrameDecoder()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            decoder.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
        var packets: [MQTTPacket] = []
        while let packet = try decoder.nextPacket() { packets.append(packet) }
        return packets
    }

    func connect(id: String = "dev-1", username: String? = nil, password: String? = nil, cleanSession: Bool = true, keepAliveSeconds: UInt16 = 60) throws {
        let user = username ?? MQTTUsername(idScope: ServiceFixture.scope, registrationID: id).text
        let pass = try password ?? ServiceFixture.token(for: id, clock: clock)
        try send(.connect(MQTTConnect(clientIdentifier: id, cleanSession: cleanSession, keepAliveSeconds: keepAliveSeconds,
                                      userName: user, password: Array(pass.utf8))))
    }

    func subscribe(qos: MQTTQoS = .atLeastOnce, filter: String = DPSTopic.responseFilter) throws {
        try send(.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: filter, requestedQoS: qos)])))
    }

    func register(rid: String = "r1", id: String = "dev-1", qos: MQTTQoS = .atLeastOnce, packetID: UInt16 = 10) throws {
        let body = DeviceRegistration.wireText(registrationId: id)
        try send(.publish(MQTTPublish(topicName: DPSTopic.register(requestID: rid), payload: Array(body.utf8), qos: qos,
                                      packetIdentifier: qos == .atMostOnce ? nil : packetID)))
    }

    func poll(rid: String, operation: String, payload: [UInt8] = [], packetID: UInt16 = 11) throws {
        try send(.publish(MQTTPublish(topicName: DPSTopic.poll(requestID: rid, operationID: operation), payload: payload,
                                      qos: .atLeastOnce, packetIdentifier: packetID)))
    }

    var isActive: Bool { channel.isActive }
}

extension MQTTPacket {
    var publish: MQTTPublish? {
        if case .publish(let publish) = self { return publish }
        return nil
    }
}
