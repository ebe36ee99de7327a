/// One rule of the OASIS MQTT Version 3.1.1 standard that this codec checks.
///
/// The identifier is `MQTT-3.1.1-` followed by the standard's normative statement number
/// (`[MQTT-3.1.2-3]` becomes `MQTT-3.1.1-3.1.2-3`), or by the section number where the
/// standard states the rule without a numbered statement (`MQTT-3.1.1-2.2.3`).
public struct MQTTRule: Hashable, Sendable {
    /// The stable requirement ID, e.g. `MQTT-3.1.1-3.1.2-3`.
    public let id: String
    /// The rule in one line, in this project's words.
    public let statement: String

    init(_ specNumber: String, _ statement: String) {
        self.id = "MQTT-3.1.1-" + specNumber
        self.statement = statement
    }
}

extension MQTTRule: CustomStringConvertible {
    public var description: String { "\(id): \(statement)" }
}

// MARK: - The rules, in the order of the standard

extension MQTTRule {
    // 1.5.3 UTF-8 encoded strings
    static let stringLength = MQTTRule(
        "1.5.3", "A UTF-8 encoded string has a two-byte big-endian length prefix, so it holds at most 65,535 bytes.")
    static let utf8WellFormed = MQTTRule(
        "1.5.3-1", "String data is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF, no cut-off sequences.")
    static let utf8NoNull = MQTTRule(
        "1.5.3-2", "String data never contains U+0000.")
    static let utf8KeepsBOM = MQTTRule(
        "1.5.3-3", "The bytes EF BB BF are U+FEFF wherever they appear; a receiver neither skips nor strips them.")

    // 2.2 Fixed header
    static let packetType = MQTTRule(
        "2.2.1", "The control packet type (byte 1, bits 7-4) is 1..14; the values 0 and 15 are reserved and forbidden.")
    static let fixedHeaderFlags = MQTTRule(
        "2.2.2-1", "Reserved fixed-header flag bits carry exactly the value of Table 2.2 (0000 for CONNECT, CONNACK, PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, PINGREQ, PINGRESP).")
    static let remainingLength = MQTTRule(
        "2.2.3", "Remaining Length is a 1..4 byte variable-length integer (at most 268,435,455; 3.1.1 does not demand the shortest form) and counts exactly the bytes of variable header and payload.")

    // 2.3.1 Packet identifier
    static let packetIdentifierRequired = MQTTRule(
        "2.3.1-1", "SUBSCRIBE, UNSUBSCRIBE and PUBLISH with QoS 1 or 2 carry a non-zero 16-bit packet identifier.")
    static let packetIdentifierForbidden = MQTTRule(
        "2.3.1-5", "A PUBLISH with QoS 0 carries no packet identifier.")
    static let publishAckIdentifier = MQTTRule(
        "2.3.1-6", "PUBACK, PUBREC and PUBREL (and so PUBCOMP, which answers PUBREL) carry the identifier of the flow they answer, which is never zero.")
    static let subscriptionAckIdentifier = MQTTRule(
        "2.3.1-7", "SUBACK and UNSUBACK carry the identifier of the SUBSCRIBE or UNSUBSCRIBE they answer, which is never zero.")

    // 3.1 CONNECT
    static let protocolName = MQTTRule(
        "3.1.2-1", "The CONNECT protocol name is the string \"MQTT\"; with any other name the packet is not processed as MQTT 3.1.1.")
    static let protocolLevel = MQTTRule(
        "3.1.2-2", "A CONNECT whose protocol level is not 4 is answered with CONNACK return code 1 (unacceptable protocol level), then the connection is closed.")
    static let connectReservedFlag = MQTTRule(
        "3.1.2-3", "Bit 0 of the CONNECT flags is reserved and zero.")
    static let willFieldsPresent = MQTTRule(
        "3.1.2-9", "With the Will Flag set, the CONNECT payload contains the Will Topic and the Will Message.")
    static let willQoSWithoutWill = MQTTRule(
        "3.1.2-13", "With the Will Flag clear, the Will QoS bits are 0.")
    static let willQoSRange = MQTTRule(
        "3.1.2-14", "With the Will Flag set, Will QoS is 0, 1 or 2, never 3.")
    static let willRetainWithoutWill = MQTTRule(
        "3.1.2-15", "With the Will Flag clear, the Will Retain bit is 0.")
    static let userNamePresent = MQTTRule(
        "3.1.2-19", "With the User Name Flag set, the CONNECT payload contains a user name.")
    static let passwordPresent = MQTTRule(
        "3.1.2-21", "With the Password Flag set, the CONNECT payload contains a password.")
    static let passwordNeedsUserName = MQTTRule(
        "3.1.2-22", "With the User Name Flag clear, the Password Flag is clear.")
    static let binaryFieldLength = MQTTRule(
        "3.1.3", "Will Message and Password are binary fields with a two-byte length prefix, so each holds at most 65,535 bytes.")
    static let clientIdentifierPresent = MQTTRule(
        "3.1.3-3", "The Client Identifier is always present and is the first field of the CONNECT payload.")
    static let emptyClientIdentifier = MQTTRule(
        "3.1.3-8", "A zero-byte Client Identifier with CleanSession 0 is answered with CONNACK return code 2 (identifier rejected), then the connection is closed.")

    // 3.2 CONNACK
    static let connAckLength = MQTTRule(
        "3.2.1", "The CONNACK Remaining Length is 2.")
    static let connAckFlags = MQTTRule(
        "3.2.2.1", "Bits 7-1 of the CONNACK acknowledge flags are reserved and zero.")
    static let sessionPresentOnRefusal = MQTTRule(
        "3.2.2-4", "A CONNACK with a non-zero return code has Session Present 0.")

    // 3.3 PUBLISH
    static let dupOnQoS0 = MQTTRule(
        "3.3.1-2", "The DUP flag is 0 in every QoS 0 PUBLISH.")
    static let publishQoS = MQTTRule(
        "3.3.1-4", "A PUBLISH never has both QoS bits set (QoS 3 does not exist).")
    static let topicNamePresent = MQTTRule(
        "3.3.2-1", "The PUBLISH variable header starts with the Topic Name, a UTF-8 encoded string.")
    static let publishTopicWildcard = MQTTRule(
        "3.3.2-2", "The PUBLISH Topic Name contains no wildcard character ('+' or '#').")

    // 3.4 .. 3.7 acknowledgements of a publication
    static let pubAckLength = MQTTRule("3.4.1", "The PUBACK Remaining Length is 2.")
    static let pubRecLength = MQTTRule("3.5.1", "The PUBREC Remaining Length is 2.")
    static let pubRelLength = MQTTRule("3.6.1", "The PUBREL Remaining Length is 2.")
    static let pubRelFlags = MQTTRule(
        "3.6.1-1", "The PUBREL fixed-header flags are 0010.")
    static let pubCompLength = MQTTRule("3.7.1", "The PUBCOMP Remaining Length is 2.")

    // 3.8 SUBSCRIBE, 3.9 SUBACK
    static let subscribeFlags = MQTTRule(
        "3.8.1-1", "The SUBSCRIBE fixed-header flags are 0010.")
    static let subscribeNotEmpty = MQTTRule(
        "3.8.3-3", "A SUBSCRIBE payload contains at least one Topic Filter / QoS pair.")
    // The standard prints this statement's number as "MQTT-3-8.3-4".
    static let requestedQoS = MQTTRule(
        "3.8.3-4", "Each SUBSCRIBE requested-QoS byte has reserved bits 7-2 zero and a QoS of 0, 1 or 2.")
    static let subAckNotEmpty = MQTTRule(
        "3.8.4-5", "A SUBACK holds one return code per Topic Filter of its SUBSCRIBE, so at least one.")
    static let subAckReturnCodes = MQTTRule(
        "3.9.3-2", "SUBACK return codes are 0x00, 0x01, 0x02 or 0x80; all others are reserved.")

    // 3.10 UNSUBSCRIBE, 3.11 UNSUBACK
    static let unsubscribeFlags = MQTTRule(
        "3.10.1-1", "The UNSUBSCRIBE fixed-header flags are 0010.")
    static let unsubscribeNotEmpty = MQTTRule(
        "3.10.3-2", "An UNSUBSCRIBE payload contains at least one Topic Filter.")
    static let unsubAckLength = MQTTRule("3.11.1", "The UNSUBACK Remaining Length is 2.")

    // 3.12 .. 3.14 packets without content
    static let pingReqLength = MQTTRule("3.12.1", "The PINGREQ Remaining Length is 0.")
    static let pingRespLength = MQTTRule("3.13.1", "The PINGRESP Remaining Length is 0.")
    static let disconnectLength = MQTTRule("3.14.1", "The DISCONNECT Remaining Length is 0.")
    static let disconnectFlags = MQTTRule(
        "3.14.1-1", "The DISCONNECT fixed-header flags are 0000.")

    // 4.7 Topic names and topic filters
    static let topicNameWildcard = MQTTRule(
        "4.7.1-1", "Wildcard characters may appear in Topic Filters but never in a Topic Name (such as the Will Topic).")
    static let multiLevelWildcard = MQTTRule(
        "4.7.1-2", "'#' stands alone or right after '/', and is the last character of the Topic Filter.")
    static let singleLevelWildcard = MQTTRule(
        "4.7.1-3", "'+' occupies an entire level of the Topic Filter.")
    static let topicNotEmpty = MQTTRule(
        "4.7.3-1", "Topic Names and Topic Filters are at least one character long.")
    static let topicLength = MQTTRule(
        "4.7.3-3", "Topic Names and Topic Filters encode to at most 65,535 bytes.")

    // 3.1 and 3.1.2.10: session rules the server enforces on the packet stream (not decoder rules)
    public static let connectFirst = MQTTRule(
        "3.1.0-1", "The first packet a client sends on a network connection is CONNECT.")
    public static let secondConnect = MQTTRule(
        "3.1.0-2", "A second CONNECT from a client is a protocol violation: the server disconnects the client.")
    public static let keepAliveExpired = MQTTRule(
        "3.1.2-24", "With a non-zero Keep Alive, a server that receives no packet within one and a half Keep Alive periods disconnects the client.")

    // 4.8 Handling errors
    static let transientError = MQTTRule(
        "4.8.0-2", "A receiver that cannot process an inbound packet for a transient reason (here: larger than the configured maximum packet size) closes the connection.")
}

extension MQTTRule {
    /// Every rule this codec checks, in the order of the standard: the source for the
    /// project's requirement catalogue.
    public static let all: [MQTTRule] = [
        .stringLength, .utf8WellFormed, .utf8NoNull, .utf8KeepsBOM,
        .packetType, .fixedHeaderFlags, .remainingLength,
        .packetIdentifierRequired, .packetIdentifierForbidden, .publishAckIdentifier, .subscriptionAckIdentifier,
        .protocolName, .protocolLevel, .connectReservedFlag, .willFieldsPresent, .willQoSWithoutWill,
        .willQoSRange, .willRetainWithoutWill, .userNamePresent, .passwordPresent, .passwordNeedsUserName,
        .binaryFieldLength, .clientIdentifierPresent, .emptyClientIdentifier,
        .connAckLength, .connAckFlags, .sessionPresentOnRefusal,
        .dupOnQoS0, .publishQoS, .topicNamePresent, .publishTopicWildcard,
        .pubAckLength, .pubRecLength, .pubRelLength, .pubRelFlags, .pubCompLength,
        .subscribeFlags, .subscribeNotEmpty, .requestedQoS, .subAckNotEmpty, .subAckReturnCodes,
        .unsubscribeFlags, .unsubscribeNotEmpty, .unsubAckLength,
        .pingReqLength, .pingRespLength, .disconnectLength, .disconnectFlags,
        .topicNameWildcard, .multiLevelWildcard, .singleLevelWildcard, .topicNotEmpty, .topicLength,
        .transientError,
        .connectFirst, .secondConnect, .keepAliveExpired,
    ]
}
