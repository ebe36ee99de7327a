import MQTTWire
import Testing

/// A packet value that breaks a rule, so encoding must refuse it with this code and ID.
struct InvalidValue: Sendable, CustomTestStringConvertible {
    let name: String
    let packet: MQTTPacket
    let code: MQTTWireError.Code
    let requirementID: String
    var testDescription: String { "\(requirementID) \(name)" }

    init(_ name: String, _ packet: MQTTPacket, _ code: MQTTWireError.Code, _ requirementID: String) {
        self.name = name
        self.packet = packet
        self.code = code
        self.requirementID = requirementID
    }
}

private let tooLong = String(repeating: "a", count: 65_536)

let invalidValues: [InvalidValue] = [
    InvalidValue("User Name of 65,536 bytes", .connect(MQTTConnect(clientIdentifier: "c", userName: tooLong)),
                 .fieldTooLong, "MQTT-3.1.1-1.5.3"),
    InvalidValue("U+0000 in Client Identifier", .connect(MQTTConnect(clientIdentifier: "a\u{0}b")),
                 .nullCharacter, "MQTT-3.1.1-1.5.3-2"),
    InvalidValue("U+0000 in Topic Filter", .unsubscribe(MQTTUnsubscribe(packetIdentifier: 1, topicFilters: ["\u{0}"])),
                 .nullCharacter, "MQTT-3.1.1-1.5.3-2"),
    InvalidValue("PUBLISH QoS 1 without id", .publish(MQTTPublish(topicName: "t", qos: .atLeastOnce)),
                 .missingPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    InvalidValue("PUBLISH QoS 2 with id 0", .publish(MQTTPublish(topicName: "t", qos: .exactlyOnce, packetIdentifier: 0)),
                 .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    InvalidValue("SUBSCRIBE id 0", .subscribe(MQTTSubscribe(packetIdentifier: 0, subscriptions: [
        MQTTSubscription(topicFilter: "a", requestedQoS: .atMostOnce)])), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    InvalidValue("UNSUBSCRIBE id 0", .unsubscribe(MQTTUnsubscribe(packetIdentifier: 0, topicFilters: ["a"])),
                 .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    InvalidValue("PUBLISH QoS 0 with id", .publish(MQTTPublish(topicName: "t", packetIdentifier: 5)),
                 .unexpectedPacketIdentifier, "MQTT-3.1.1-2.3.1-5"),
    InvalidValue("PUBACK id 0", .pubAck(packetIdentifier: 0), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    InvalidValue("PUBREL id 0", .pubRel(packetIdentifier: 0), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    InvalidValue("UNSUBACK id 0", .unsubAck(packetIdentifier: 0), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-7"),
    InvalidValue("SUBACK id 0", .subAck(MQTTSubAck(packetIdentifier: 0, returnCodes: [.failure])),
                 .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-7"),
    InvalidValue("password without user name", .connect(MQTTConnect(clientIdentifier: "c", password: [1])),
                 .passwordWithoutUserName, "MQTT-3.1.1-3.1.2-22"),
    InvalidValue("Password of 65,536 bytes", .connect(MQTTConnect(clientIdentifier: "c", userName: "u",
                                                                  password: Array(repeating: 0, count: 65_536))),
                 .fieldTooLong, "MQTT-3.1.1-3.1.3"),
    InvalidValue("Will Message of 65,536 bytes", .connect(MQTTConnect(clientIdentifier: "c", will: MQTTWill(
        topic: "w", message: Array(repeating: 0, count: 65_536)))), .fieldTooLong, "MQTT-3.1.1-3.1.3"),
    InvalidValue("empty Client Identifier with CleanSession 0", .connect(MQTTConnect(clientIdentifier: "", cleanSession: false)),
                 .clientIdentifierRejected, "MQTT-3.1.1-3.1.3-8"),
    InvalidValue("CONNACK Session Present with refusal", .connAck(MQTTConnAck(sessionPresent: true, returnCode: .notAuthorized)),
                 .sessionPresentWithRefusal, "MQTT-3.1.1-3.2.2-4"),
    InvalidValue("PUBLISH QoS 0 with DUP", .publish(MQTTPublish(topicName: "t", dup: true)),
                 .dupWithQoS0, "MQTT-3.1.1-3.3.1-2"),
    InvalidValue("wildcard in PUBLISH Topic Name", .publish(MQTTPublish(topicName: "a/+/b")),
                 .wildcardInTopicName, "MQTT-3.1.1-3.3.2-2"),
    InvalidValue("SUBSCRIBE without filters", .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [])),
                 .noTopicFilters, "MQTT-3.1.1-3.8.3-3"),
    InvalidValue("SUBACK without return codes", .subAck(MQTTSubAck(packetIdentifier: 1, returnCodes: [])),
                 .noReturnCodes, "MQTT-3.1.1-3.8.4-5"),
    InvalidValue("UNSUBSCRIBE without filters", .unsubscribe(MQTTUnsubscribe(packetIdentifier: 1, topicFilters: [])),
                 .noTopicFilters, "MQTT-3.1.1-3.10.3-2"),
    InvalidValue("wildcard in Will Topic", .connect(MQTTConnect(clientIdentifier: "c", will: MQTTWill(topic: "#", message: []))),
                 .wildcardInTopicName, "MQTT-3.1.1-4.7.1-1"),
    InvalidValue("'#' not last in filter", .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
        MQTTSubscription(topicFilter: "#/a", requestedQoS: .atMostOnce)])), .misplacedMultiLevelWildcard, "MQTT-3.1.1-4.7.1-2"),
    InvalidValue("'+' sharing a level", .unsubscribe(MQTTUnsubscribe(packetIdentifier: 1, topicFilters: ["a+"])),
                 .misplacedSingleLevelWildcard, "MQTT-3.1.1-4.7.1-3"),
    InvalidValue("empty Topic Name", .publish(MQTTPublish(topicName: "")), .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
    InvalidValue("empty Topic Filter", .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
        MQTTSubscription(topicFilter: "", requestedQoS: .atMostOnce)])), .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
    InvalidValue("Topic Name of 65,536 bytes", .publish(MQTTPublish(topicName: tooLong)), .fieldTooLong, "MQTT-3.1.1-4.7.3-3"),
    InvalidValue("Topic Filter of 65,536 bytes", .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
        MQTTSubscription(topicFilter: tooLong, requestedQoS: .atMostOnce)])), .fieldTooLong, "MQTT-3.1.1-4.7.3-3"),
]

@Suite("Encoding refuses values that break a rule")
struct EncodeValidationTests {
    @Test("encode throws", arguments: invalidValues)
    func refuses(_ invalid: InvalidValue) throws {
        let error = try #require(encodeError(invalid.packet))
        #expect(error.code == invalid.code)
        #expect(error.requirementID == invalid.requirementID)
    }

    @Test("a string of exactly 65,535 bytes still encodes and decodes")
    func longestString() throws {
        let topic = String(repeating: "b", count: 65_535)
        let packet = MQTTPacket.publish(MQTTPublish(topicName: topic))
        let encoded = try packet.encode()
        #expect(Array(encoded.prefix(6)) == [0x30, 0x81, 0x80, 0x04, 0xFF, 0xFF]) // Remaining Length 65,537
        #expect(try MQTTPacket.decode(encoded) == packet)
    }
}
