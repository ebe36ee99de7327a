import MQTTWire
import Testing

/// Bytes that break one rule, with the code and requirement ID decoding must report.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let code: MQTTWireError.Code
    let requirementID: String
    var testDescription: String { "\(requirementID) \(name)" }

    init(_ name: String, _ bytes: [UInt8], _ code: MQTTWireError.Code, _ requirementID: String) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.requirementID = requirementID
    }
}

private let mqtt: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]

/// A CONNECT with protocol "MQTT" level 4, the given flags, keep-alive 0 and `payload`.
private func connect(flags: UInt8, _ payload: [UInt8]...) -> [UInt8] {
    let body = bytes(mqtt, [0x04, flags, 0x00, 0x00], payload.flatMap { $0 })
    return bytes([0x10, UInt8(body.count)], body)
}

/// A QoS 0 PUBLISH whose Topic Name is `topic` (raw bytes) and whose payload is empty.
private func publish(topic: [UInt8]) -> [UInt8] {
    bytes([0x30, UInt8(topic.count + 2), 0x00, UInt8(topic.count)], topic)
}

/// A SUBSCRIBE, packet identifier 1, one filter with the given requested-QoS byte.
private func subscribe(filter: [UInt8], options: UInt8 = 0x01) -> [UInt8] {
    bytes([0x82, UInt8(filter.count + 5), 0x00, 0x01, 0x00, UInt8(filter.count)], filter, [options])
}

private let clientA: [UInt8] = [0x00, 0x01, 0x61] // Client Identifier "a"

let malformedCases: [MalformedCase] = [
    // 1.5.3 UTF-8 strings
    MalformedCase("overlong NUL C0 80", publish(topic: [0x61, 0xC0, 0x80]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("overlong 3-byte E0 80 AF", publish(topic: [0xE0, 0x80, 0xAF]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("overlong 4-byte F0 80 80 AF", publish(topic: [0xF0, 0x80, 0x80, 0xAF]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("surrogate U+D800 ED A0 80", publish(topic: [0xED, 0xA0, 0x80]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("surrogate U+DFFF ED BF BF", publish(topic: [0xED, 0xBF, 0xBF]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("above U+10FFFF F4 90 80 80", publish(topic: [0xF4, 0x90, 0x80, 0x80]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("byte F5", publish(topic: [0xF5, 0x80, 0x80, 0x80]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("byte FF", publish(topic: [0x61, 0xFF]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("lone continuation byte", publish(topic: [0x80]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("sequence cut by end of string", publish(topic: [0x61, 0xE2, 0x82]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("third byte not a continuation", publish(topic: [0xE2, 0x82, 0x41]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("Client Identifier not UTF-8", connect(flags: 0x02, [0x00, 0x01, 0xC3]), .malformedUTF8, "MQTT-3.1.1-1.5.3-1"),
    MalformedCase("U+0000 in Topic Name", publish(topic: [0x61, 0x00]), .nullCharacter, "MQTT-3.1.1-1.5.3-2"),
    MalformedCase("U+0000 in User Name", connect(flags: 0x82, clientA, [0x00, 0x01, 0x00]), .nullCharacter, "MQTT-3.1.1-1.5.3-2"),
    MalformedCase("U+0000 in Topic Filter", subscribe(filter: [0x00]), .nullCharacter, "MQTT-3.1.1-1.5.3-2"),
    // 2.2 Fixed header
    MalformedCase("packet type 0", [0x00, 0x00], .reservedPacketType, "MQTT-3.1.1-2.2.1"),
    MalformedCase("packet type 15", [0xF0, 0x00], .reservedPacketType, "MQTT-3.1.1-2.2.1"),
    MalformedCase("CONNECT flags 0001", [0x11, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("CONNACK flags 1000", [0x28, 0x02, 0x00, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("PUBACK flags 0010", [0x42, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("PUBREC flags 0001", [0x51, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("PUBCOMP flags 0100", [0x74, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("SUBACK flags 0010", [0x92, 0x03, 0x00, 0x01, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("UNSUBACK flags 0001", [0xB1, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("PINGREQ flags 1000", [0xC8, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("PINGRESP flags 0001", [0xD1, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-2.2.2-1"),
    MalformedCase("Remaining Length of 5 bytes", [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], .malformedRemainingLength, "MQTT-3.1.1-2.2.3"),
    MalformedCase("Remaining Length 0x80 x4", [0xC0, 0x80, 0x80, 0x80, 0x80, 0x00], .malformedRemainingLength, "MQTT-3.1.1-2.2.3"),
    MalformedCase("one-shot: only a first byte", [0x30], .incompletePacket, "MQTT-3.1.1-2.2.3"),
    MalformedCase("one-shot: Remaining Length cut", [0x30, 0x80], .incompletePacket, "MQTT-3.1.1-2.2.3"),
    MalformedCase("one-shot: body cut", [0x30, 0x05, 0x00, 0x01], .incompletePacket, "MQTT-3.1.1-2.2.3"),
    MalformedCase("one-shot: nothing at all", [], .incompletePacket, "MQTT-3.1.1-2.2.3"),
    MalformedCase("one-shot: bytes after the packet", [0xC0, 0x00, 0xC0], .bytesAfterPacket, "MQTT-3.1.1-2.2.3"),
    MalformedCase("CONNECT with a byte after the last field", connect(flags: 0x02, clientA, [0x00]), .trailingContent, "MQTT-3.1.1-2.2.3"),
    MalformedCase("SUBSCRIBE filter without QoS byte", bytes([0x82, 0x05, 0x00, 0x01, 0x00, 0x01], ascii("a")), .truncatedField, "MQTT-3.1.1-2.2.3"),
    MalformedCase("SUBSCRIBE filter length past the end", [0x82, 0x05, 0x00, 0x01, 0x00, 0x09, 0x61], .truncatedField, "MQTT-3.1.1-2.2.3"),
    MalformedCase("UNSUBSCRIBE filter with half a length", [0xA2, 0x03, 0x00, 0x01, 0x00], .truncatedField, "MQTT-3.1.1-2.2.3"),
    MalformedCase("CONNECT cut inside Protocol Name", [0x10, 0x03, 0x00, 0x04, 0x4D], .truncatedField, "MQTT-3.1.1-2.2.3"),
    MalformedCase("CONNECT cut before Keep Alive", bytes([0x10, 0x08], mqtt, [0x04, 0x02]), .truncatedField, "MQTT-3.1.1-2.2.3"),
    // 2.3.1 Packet identifiers
    MalformedCase("PUBLISH QoS 1 with id 0", bytes([0x32, 0x05, 0x00, 0x01], ascii("t"), [0x00, 0x00]), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("PUBLISH QoS 2 with id 0", bytes([0x34, 0x05, 0x00, 0x01], ascii("t"), [0x00, 0x00]), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("PUBLISH QoS 1 without id", bytes([0x32, 0x04, 0x00, 0x01], ascii("t"), [0x00]), .truncatedField, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("SUBSCRIBE with id 0", bytes([0x82, 0x06, 0x00, 0x00, 0x00, 0x01], ascii("a"), [0x00]), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("SUBSCRIBE without id", [0x82, 0x01, 0x00], .truncatedField, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("UNSUBSCRIBE with id 0", bytes([0xA2, 0x05, 0x00, 0x00, 0x00, 0x01], ascii("a")), .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-1"),
    MalformedCase("PUBACK id 0", [0x40, 0x02, 0x00, 0x00], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    MalformedCase("PUBREC id 0", [0x50, 0x02, 0x00, 0x00], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    MalformedCase("PUBREL id 0", [0x62, 0x02, 0x00, 0x00], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    MalformedCase("PUBCOMP id 0", [0x70, 0x02, 0x00, 0x00], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-6"),
    MalformedCase("SUBACK id 0", [0x90, 0x03, 0x00, 0x00, 0x01], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-7"),
    MalformedCase("UNSUBACK id 0", [0xB0, 0x02, 0x00, 0x00], .zeroPacketIdentifier, "MQTT-3.1.1-2.3.1-7"),
    MalformedCase("SUBACK without id", [0x90, 0x01, 0x00], .truncatedField, "MQTT-3.1.1-2.3.1-7"),
    // 3.1 CONNECT
    MalformedCase("protocol name MQIsdp (MQTT 3.1)",
                  bytes([0x10, 0x0F, 0x00, 0x06], ascii("MQIsdp"), [0x03, 0x02, 0x00, 0x3C], clientA),
                  .invalidProtocolName, "MQTT-3.1.1-3.1.2-1"),
    MalformedCase("protocol name in lower case",
                  bytes([0x10, 0x0D, 0x00, 0x04], ascii("mqtt"), [0x04, 0x02, 0x00, 0x00], clientA),
                  .invalidProtocolName, "MQTT-3.1.1-3.1.2-1"),
    MalformedCase("protocol level 5", bytes([0x10, 0x0D], mqtt, [0x05, 0x02, 0x00, 0x00], clientA),
                  .unacceptableProtocolLevel, "MQTT-3.1.1-3.1.2-2"),
    MalformedCase("protocol level 3 under name MQTT", bytes([0x10, 0x0D], mqtt, [0x03, 0x02, 0x00, 0x00], clientA),
                  .unacceptableProtocolLevel, "MQTT-3.1.1-3.1.2-2"),
    MalformedCase("reserved CONNECT flag", connect(flags: 0x03, clientA), .reservedConnectFlag, "MQTT-3.1.1-3.1.2-3"),
    MalformedCase("Will Flag without Will Topic", connect(flags: 0x06, clientA), .truncatedField, "MQTT-3.1.1-3.1.2-9"),
    MalformedCase("Will Flag without Will Message", connect(flags: 0x06, clientA, [0x00, 0x01, 0x77]), .truncatedField, "MQTT-3.1.1-3.1.2-9"),
    MalformedCase("Will QoS 1 without Will Flag", connect(flags: 0x0A, clientA), .willQoSWithoutWill, "MQTT-3.1.1-3.1.2-13"),
    MalformedCase("Will QoS 2 without Will Flag", connect(flags: 0x12, clientA), .willQoSWithoutWill, "MQTT-3.1.1-3.1.2-13"),
    MalformedCase("Will QoS 3", connect(flags: 0x1E, clientA, [0x00, 0x01, 0x77, 0x00, 0x00]), .invalidQoS, "MQTT-3.1.1-3.1.2-14"),
    MalformedCase("Will Retain without Will Flag", connect(flags: 0x22, clientA), .willRetainWithoutWill, "MQTT-3.1.1-3.1.2-15"),
    MalformedCase("User Name Flag without user name", connect(flags: 0x82, clientA), .truncatedField, "MQTT-3.1.1-3.1.2-19"),
    MalformedCase("Password Flag without password", connect(flags: 0xC2, clientA, [0x00, 0x01, 0x75]), .truncatedField, "MQTT-3.1.1-3.1.2-21"),
    MalformedCase("Password Flag without User Name Flag", connect(flags: 0x42, clientA, [0x00, 0x01, 0x70]), .passwordWithoutUserName, "MQTT-3.1.1-3.1.2-22"),
    MalformedCase("no Client Identifier", connect(flags: 0x02), .truncatedField, "MQTT-3.1.1-3.1.3-3"),
    MalformedCase("empty Client Identifier with CleanSession 0", connect(flags: 0x00, [0x00, 0x00]), .clientIdentifierRejected, "MQTT-3.1.1-3.1.3-8"),
    MalformedCase("Will Topic with wildcard", connect(flags: 0x06, clientA, [0x00, 0x03], ascii("a/#"), [0x00, 0x00]), .wildcardInTopicName, "MQTT-3.1.1-4.7.1-1"),
    MalformedCase("empty Will Topic", connect(flags: 0x06, clientA, [0x00, 0x00, 0x00, 0x00]), .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
    // 3.2 CONNACK
    MalformedCase("CONNACK Remaining Length 3", [0x20, 0x03, 0x00, 0x00, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.2.1"),
    MalformedCase("CONNACK Remaining Length 0", [0x20, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.2.1"),
    MalformedCase("CONNACK flags bit 1", [0x20, 0x02, 0x02, 0x00], .reservedConnAckFlags, "MQTT-3.1.1-3.2.2.1"),
    MalformedCase("CONNACK flags bit 7", [0x20, 0x02, 0x80, 0x00], .reservedConnAckFlags, "MQTT-3.1.1-3.2.2.1"),
    MalformedCase("Session Present with refusal", [0x20, 0x02, 0x01, 0x05], .sessionPresentWithRefusal, "MQTT-3.1.1-3.2.2-4"),
    // 3.3 PUBLISH
    MalformedCase("QoS 0 with DUP", bytes([0x38, 0x03, 0x00, 0x01], ascii("t")), .dupWithQoS0, "MQTT-3.1.1-3.3.1-2"),
    MalformedCase("QoS 3", bytes([0x36, 0x05, 0x00, 0x01], ascii("t"), [0x00, 0x01]), .invalidQoS, "MQTT-3.1.1-3.3.1-4"),
    MalformedCase("no Topic Name", [0x30, 0x00], .truncatedField, "MQTT-3.1.1-3.3.2-1"),
    MalformedCase("half a Topic Name length", [0x30, 0x01, 0x00], .truncatedField, "MQTT-3.1.1-3.3.2-1"),
    MalformedCase("Topic Name longer than the packet", [0x30, 0x03, 0x00, 0x05, 0x61], .truncatedField, "MQTT-3.1.1-3.3.2-1"),
    MalformedCase("'+' in Topic Name", publish(topic: ascii("a/+")), .wildcardInTopicName, "MQTT-3.1.1-3.3.2-2"),
    MalformedCase("'#' in Topic Name", publish(topic: ascii("#")), .wildcardInTopicName, "MQTT-3.1.1-3.3.2-2"),
    MalformedCase("empty Topic Name", [0x30, 0x02, 0x00, 0x00], .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
    // 3.4 .. 3.7
    MalformedCase("PUBACK Remaining Length 3", [0x40, 0x03, 0x00, 0x01, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.4.1"),
    MalformedCase("PUBREC Remaining Length 1", [0x50, 0x01, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.5.1"),
    MalformedCase("PUBREL Remaining Length 0", [0x62, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.6.1"),
    MalformedCase("PUBREL flags 0000", [0x60, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-3.6.1-1"),
    MalformedCase("PUBREL flags 0011", [0x63, 0x02, 0x00, 0x01], .invalidFixedHeaderFlags, "MQTT-3.1.1-3.6.1-1"),
    MalformedCase("PUBCOMP Remaining Length 4", [0x70, 0x04, 0x00, 0x01, 0x00, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.7.1"),
    // 3.8 SUBSCRIBE, 3.9 SUBACK
    MalformedCase("SUBSCRIBE flags 0000", bytes([0x80, 0x06, 0x00, 0x01, 0x00, 0x01], ascii("a"), [0x00]), .invalidFixedHeaderFlags, "MQTT-3.1.1-3.8.1-1"),
    MalformedCase("SUBSCRIBE flags 1010", bytes([0x8A, 0x06, 0x00, 0x01, 0x00, 0x01], ascii("a"), [0x00]), .invalidFixedHeaderFlags, "MQTT-3.1.1-3.8.1-1"),
    MalformedCase("SUBSCRIBE without filters", [0x82, 0x02, 0x00, 0x01], .noTopicFilters, "MQTT-3.1.1-3.8.3-3"),
    MalformedCase("requested QoS 3", subscribe(filter: ascii("a"), options: 0x03), .invalidQoS, "MQTT-3.1.1-3.8.3-4"),
    MalformedCase("requested QoS reserved bit 2", subscribe(filter: ascii("a"), options: 0x04), .reservedSubscriptionBits, "MQTT-3.1.1-3.8.3-4"),
    MalformedCase("requested QoS reserved bit 7", subscribe(filter: ascii("a"), options: 0x81), .reservedSubscriptionBits, "MQTT-3.1.1-3.8.3-4"),
    MalformedCase("SUBACK without return codes", [0x90, 0x02, 0x00, 0x01], .noReturnCodes, "MQTT-3.1.1-3.8.4-5"),
    MalformedCase("SUBACK return code 0x03", [0x90, 0x03, 0x00, 0x01, 0x03], .invalidSubAckReturnCode, "MQTT-3.1.1-3.9.3-2"),
    MalformedCase("SUBACK return code 0x81", [0x90, 0x04, 0x00, 0x01, 0x00, 0x81], .invalidSubAckReturnCode, "MQTT-3.1.1-3.9.3-2"),
    // 3.10 UNSUBSCRIBE, 3.11 UNSUBACK
    MalformedCase("UNSUBSCRIBE flags 0000", bytes([0xA0, 0x05, 0x00, 0x01, 0x00, 0x01], ascii("a")), .invalidFixedHeaderFlags, "MQTT-3.1.1-3.10.1-1"),
    MalformedCase("UNSUBSCRIBE without filters", [0xA2, 0x02, 0x00, 0x01], .noTopicFilters, "MQTT-3.1.1-3.10.3-2"),
    MalformedCase("UNSUBACK Remaining Length 3", [0xB0, 0x03, 0x00, 0x01, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.11.1"),
    // 3.12 .. 3.14
    MalformedCase("PINGREQ Remaining Length 1", [0xC0, 0x01, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.12.1"),
    MalformedCase("PINGRESP Remaining Length 1", [0xD0, 0x01, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.13.1"),
    MalformedCase("DISCONNECT Remaining Length 2", [0xE0, 0x02, 0x00, 0x00], .invalidRemainingLength, "MQTT-3.1.1-3.14.1"),
    MalformedCase("DISCONNECT flags 0001", [0xE1, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-3.14.1-1"),
    MalformedCase("DISCONNECT flags 1000", [0xE8, 0x00], .invalidFixedHeaderFlags, "MQTT-3.1.1-3.14.1-1"),
    // 4.7 Topic Filters
    MalformedCase("'#' not last", subscribe(filter: ascii("#/a")), .misplacedMultiLevelWildcard, "MQTT-3.1.1-4.7.1-2"),
    MalformedCase("'#' sharing its level", subscribe(filter: ascii("a#")), .misplacedMultiLevelWildcard, "MQTT-3.1.1-4.7.1-2"),
    MalformedCase("'#' in the middle (UNSUBSCRIBE)", bytes([0xA2, 0x09, 0x00, 0x01, 0x00, 0x05], ascii("a/#/b")), .misplacedMultiLevelWildcard, "MQTT-3.1.1-4.7.1-2"),
    MalformedCase("'+' sharing its level at the start", subscribe(filter: ascii("+a/b")), .misplacedSingleLevelWildcard, "MQTT-3.1.1-4.7.1-3"),
    MalformedCase("'+' sharing its level at the end", subscribe(filter: ascii("a/b+")), .misplacedSingleLevelWildcard, "MQTT-3.1.1-4.7.1-3"),
    MalformedCase("'++'", subscribe(filter: ascii("a/++/c")), .misplacedSingleLevelWildcard, "MQTT-3.1.1-4.7.1-3"),
    MalformedCase("empty Topic Filter", subscribe(filter: []), .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
    MalformedCase("empty Topic Filter (UNSUBSCRIBE)", [0xA2, 0x04, 0x00, 0x01, 0x00, 0x00], .emptyTopic, "MQTT-3.1.1-4.7.3-1"),
]

@Suite("Malformed packets: one case per rule, code and requirement ID checked")
struct MalformedPacketTests {
    @Test("one-shot decoding refuses", arguments: malformedCases)
    func oneShotRefuses(_ malformed: MalformedCase) throws {
        let error = try #require(decodeError(malformed.bytes))
        #expect(error.code == malformed.code)
        #expect(error.requirementID == malformed.requirementID)
        #expect(!error.reason.isEmpty)
    }

    @Test("the frame decoder fed one byte at a time refuses the same way", arguments: malformedCases.filter {
        $0.code != .incompletePacket && $0.code != .bytesAfterPacket
    })
    func streamingRefuses(_ malformed: MalformedCase) throws {
        var decoder = MQTTFrameDecoder()
        var failure: MQTTWireError?
        for byte in malformed.bytes where failure == nil {
            do throws(MQTTWireError) {
                #expect(try decoder.feed([byte]).isEmpty)
            } catch {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error.code == malformed.code)
        #expect(error.requirementID == malformed.requirementID)
    }

    @Test("a surrogate is named as such in the reason")
    func surrogateReason() throws {
        let error = try #require(decodeError(publish(topic: [0xED, 0xA0, 0x80])))
        #expect(error.reason.contains("surrogate"))
    }

    @Test("Will QoS, retain and message come through when the Will Flag is set")
    func validWillFlags() throws {
        let input = connect(flags: 0x36, clientA, [0x00, 0x01, 0x77, 0x00, 0x01, 0x2A]) // will, QoS 2, retain, clean
        let expected = MQTTConnect(clientIdentifier: "a", cleanSession: true,
                                   will: MQTTWill(topic: "w", message: [0x2A], qos: .exactlyOnce, retain: true))
        #expect(try MQTTPacket.decode(input) == .connect(expected))
    }

    @Test("an empty Client Identifier with CleanSession 1 is accepted (the server may assign one)")
    func emptyClientIdentifierWithCleanSession() throws {
        #expect(try MQTTPacket.decode(connect(flags: 0x02, [0x00, 0x00])) == .connect(MQTTConnect(clientIdentifier: "")))
    }

    @Test("valid wildcard filters are accepted", arguments: ["#", "+", "+/+", "a/+/b", "a/#", "/#", "+/#", "/", "//", "$dps/registrations/res/#", "a/b/+"])
    func validFilters(_ filter: String) throws {
        let expected = MQTTPacket.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
            MQTTSubscription(topicFilter: filter, requestedQoS: .atLeastOnce)]))
        #expect(try MQTTPacket.decode(subscribe(filter: ascii(filter))) == expected)
    }
}
