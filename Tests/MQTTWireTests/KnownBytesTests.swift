import MQTTWire
import Testing

/// A packet written out byte by byte from the MQTT 3.1.1 standard's layouts.
struct KnownPacket: Sendable, CustomTestStringConvertible {
    let name: String
    let packet: MQTTPacket
    let bytes: [UInt8]
    var testDescription: String { name }
}

private let mqttName: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54] // length 4, "MQTT"

let knownPackets: [KnownPacket] = [
    KnownPacket(
        name: "CONNECT client abc, clean session, keep-alive 60",
        packet: .connect(MQTTConnect(clientIdentifier: "abc", cleanSession: true, keepAliveSeconds: 60)),
        bytes: bytes([0x10, 0x0F], mqttName, [0x04, 0x02, 0x00, 0x3C, 0x00, 0x03], ascii("abc"))),
    KnownPacket(
        name: "CONNECT with will (QoS 1, retain), user name and password",
        packet: .connect(MQTTConnect(
            clientIdentifier: "c1", cleanSession: true, keepAliveSeconds: 300,
            will: MQTTWill(topic: "w", message: [0x01], qos: .atLeastOnce, retain: true),
            userName: "u", password: [0x70])),
        // Flags 1110 1110: user name, password, will retain, will QoS 01, will, clean session.
        bytes: bytes([0x10, 0x1A], mqttName, [0x04, 0xEE, 0x01, 0x2C],
                     [0x00, 0x02], ascii("c1"), [0x00, 0x01], ascii("w"), [0x00, 0x01, 0x01],
                     [0x00, 0x01], ascii("u"), [0x00, 0x01, 0x70])),
    KnownPacket(
        name: "CONNECT persistent session, will QoS 2 with empty message",
        packet: .connect(MQTTConnect(
            clientIdentifier: "x", cleanSession: false, keepAliveSeconds: 0,
            will: MQTTWill(topic: "a/b", message: [], qos: .exactlyOnce, retain: false))),
        bytes: bytes([0x10, 0x14], mqttName, [0x04, 0x14, 0x00, 0x00],
                     [0x00, 0x01], ascii("x"), [0x00, 0x03], ascii("a/b"), [0x00, 0x00])),
    KnownPacket(
        name: "CONNACK accepted",
        packet: .connAck(MQTTConnAck(sessionPresent: false, returnCode: .accepted)),
        bytes: [0x20, 0x02, 0x00, 0x00]),
    KnownPacket(
        name: "CONNACK accepted, session present",
        packet: .connAck(MQTTConnAck(sessionPresent: true, returnCode: .accepted)),
        bytes: [0x20, 0x02, 0x01, 0x00]),
    KnownPacket(
        name: "CONNACK unacceptable protocol version",
        packet: .connAck(MQTTConnAck(returnCode: .unacceptableProtocolVersion)),
        bytes: [0x20, 0x02, 0x00, 0x01]),
    KnownPacket(
        name: "CONNACK not authorized",
        packet: .connAck(MQTTConnAck(returnCode: .notAuthorized)),
        bytes: [0x20, 0x02, 0x00, 0x05]),
    KnownPacket(
        name: "CONNACK reserved return code 0xC8 kept",
        packet: .connAck(MQTTConnAck(returnCode: .reserved(0xC8))),
        bytes: [0x20, 0x02, 0x00, 0xC8]),
    KnownPacket(
        name: "PUBLISH QoS 0",
        packet: .publish(MQTTPublish(topicName: "a/b", payload: ascii("hi"))),
        bytes: bytes([0x30, 0x07, 0x00, 0x03], ascii("a/b"), ascii("hi"))),
    KnownPacket(
        name: "PUBLISH QoS 1, DUP, RETAIN, id 0x1234",
        packet: .publish(MQTTPublish(topicName: "t", payload: [0xFF], qos: .atLeastOnce,
                                     packetIdentifier: 0x1234, dup: true, retain: true)),
        bytes: bytes([0x3B, 0x06, 0x00, 0x01], ascii("t"), [0x12, 0x34, 0xFF])),
    KnownPacket(
        name: "PUBLISH QoS 2, empty payload",
        packet: .publish(MQTTPublish(topicName: "x", qos: .exactlyOnce, packetIdentifier: 1)),
        bytes: bytes([0x34, 0x05, 0x00, 0x01], ascii("x"), [0x00, 0x01])),
    KnownPacket(name: "PUBACK", packet: .pubAck(packetIdentifier: 0x1234), bytes: [0x40, 0x02, 0x12, 0x34]),
    KnownPacket(name: "PUBREC", packet: .pubRec(packetIdentifier: 1), bytes: [0x50, 0x02, 0x00, 0x01]),
    KnownPacket(name: "PUBREL", packet: .pubRel(packetIdentifier: 65535), bytes: [0x62, 0x02, 0xFF, 0xFF]),
    KnownPacket(name: "PUBCOMP", packet: .pubComp(packetIdentifier: 7), bytes: [0x70, 0x02, 0x00, 0x07]),
    KnownPacket(
        name: "SUBSCRIBE a/b QoS 1",
        packet: .subscribe(MQTTSubscribe(packetIdentifier: 10, subscriptions: [
            MQTTSubscription(topicFilter: "a/b", requestedQoS: .atLeastOnce)])),
        bytes: bytes([0x82, 0x08, 0x00, 0x0A, 0x00, 0x03], ascii("a/b"), [0x01])),
    KnownPacket(
        name: "SUBSCRIBE to the DPS response topic",
        packet: .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
            MQTTSubscription(topicFilter: "$dps/registrations/res/#", requestedQoS: .atLeastOnce)])),
        bytes: bytes([0x82, 0x1D, 0x00, 0x01, 0x00, 0x18], ascii("$dps/registrations/res/#"), [0x01])),
    KnownPacket(
        name: "SUBSCRIBE two filters",
        packet: .subscribe(MQTTSubscribe(packetIdentifier: 2, subscriptions: [
            MQTTSubscription(topicFilter: "+", requestedQoS: .atMostOnce),
            MQTTSubscription(topicFilter: "#", requestedQoS: .exactlyOnce)])),
        bytes: bytes([0x82, 0x0A, 0x00, 0x02, 0x00, 0x01], ascii("+"), [0x00, 0x00, 0x01], ascii("#"), [0x02])),
    KnownPacket(
        name: "SUBACK granted QoS 1 and failure",
        packet: .subAck(MQTTSubAck(packetIdentifier: 10, returnCodes: [.granted(.atLeastOnce), .failure])),
        bytes: [0x90, 0x04, 0x00, 0x0A, 0x01, 0x80]),
    KnownPacket(
        name: "UNSUBSCRIBE a",
        packet: .unsubscribe(MQTTUnsubscribe(packetIdentifier: 1, topicFilters: ["a"])),
        bytes: bytes([0xA2, 0x05, 0x00, 0x01, 0x00, 0x01], ascii("a"))),
    KnownPacket(name: "UNSUBACK", packet: .unsubAck(packetIdentifier: 1), bytes: [0xB0, 0x02, 0x00, 0x01]),
    KnownPacket(name: "PINGREQ", packet: .pingReq, bytes: [0xC0, 0x00]),
    KnownPacket(name: "PINGRESP", packet: .pingResp, bytes: [0xD0, 0x00]),
    KnownPacket(name: "DISCONNECT", packet: .disconnect, bytes: [0xE0, 0x00]),
]

@Suite("Packets against bytes written out from the standard")
struct KnownBytesTests {
    @Test("encoding gives the known bytes", arguments: knownPackets)
    func encodes(_ known: KnownPacket) throws {
        #expect(try known.packet.encode() == known.bytes)
    }

    @Test("decoding the known bytes gives the packet", arguments: knownPackets)
    func decodes(_ known: KnownPacket) throws {
        #expect(try MQTTPacket.decode(known.bytes) == known.packet)
    }

    @Test("every packet type has a known answer")
    func coversAllTypes() {
        #expect(Set(knownPackets.map(\.packet.packetType)) == Set(MQTTPacketType.allCases))
    }

    @Test("a non-minimal Remaining Length is accepted: MQTT 3.1.1 section 2.2.3 does not forbid it")
    func nonMinimalRemainingLength() throws {
        #expect(try MQTTPacket.decode([0xC0, 0x80, 0x00]) == .pingReq)
        #expect(try MQTTPacket.decode([0x40, 0x82, 0x80, 0x00, 0x00, 0x05]) == .pubAck(packetIdentifier: 5))
    }

    @Test("the bytes EF BB BF survive decoding as U+FEFF [MQTT-3.1.1-1.5.3-3]")
    func byteOrderMarkKept() throws {
        let input = bytes([0x30, 0x06, 0x00, 0x04, 0xEF, 0xBB, 0xBF], ascii("t"))
        guard case .publish(let publish) = try MQTTPacket.decode(input) else {
            Issue.record("not a PUBLISH")
            return
        }
        #expect(Array(publish.topicName.utf8) == [0xEF, 0xBB, 0xBF, 0x74])
        #expect(publish.topicName.unicodeScalars.first == "\u{FEFF}")
        #expect(try MQTTPacket.publish(publish).encode() == input)
    }

    @Test("CONNACK return codes map to their wire values")
    func connectReturnCodes() {
        let expected: [(MQTTConnectReturnCode, UInt8)] = [
            (.accepted, 0), (.unacceptableProtocolVersion, 1), (.identifierRejected, 2),
            (.serverUnavailable, 3), (.badUserNameOrPassword, 4), (.notAuthorized, 5), (.reserved(6), 6),
        ]
        for (code, raw) in expected {
            #expect(code.rawValue == raw)
            #expect(MQTTConnectReturnCode(rawValue: raw) == code)
        }
        #expect(MQTTConnectReturnCode.reserved(2) == .identifierRejected)
    }
}
