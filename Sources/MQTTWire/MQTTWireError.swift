/// Why bytes are not a valid MQTT 3.1.1 packet, or why a packet value cannot be encoded.
///
/// Match on `code` (stable) and report `requirementID`; `reason` is for people and names the
/// field and byte offset at fault. Reasons never contain passwords or other payload secrets.
public struct MQTTWireError: Error, Hashable, Sendable {
    /// The kind of violation; stable across releases, safe to match on.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        // Framing
        /// Packet type 0 or 15.
        case reservedPacketType
        /// Fixed-header flag bits differ from the value the packet type requires.
        case invalidFixedHeaderFlags
        /// The Remaining Length needs a fifth byte.
        case malformedRemainingLength
        /// The Remaining Length differs from the fixed size of this packet type.
        case invalidRemainingLength
        /// The packet is larger than the configured maximum (or than MQTT allows, when encoding).
        case packetTooLarge
        /// A field runs past the end of the packet, or is missing.
        case truncatedField
        /// Bytes remain inside the packet after its last field.
        case trailingContent
        /// One-shot decoding: the bytes end before the packet does.
        case incompletePacket
        /// One-shot decoding: bytes follow the end of the packet.
        case bytesAfterPacket
        // Strings and binary fields
        /// A string is not well-formed UTF-8.
        case malformedUTF8
        /// A string contains U+0000.
        case nullCharacter
        /// Encoding: a string or binary field is longer than 65,535 bytes.
        case fieldTooLong
        // CONNECT and CONNACK
        /// The protocol name is not "MQTT"; the server closes without CONNACK.
        case invalidProtocolName
        /// The protocol level is not 4; the server answers CONNACK return code 1.
        case unacceptableProtocolLevel
        /// CONNECT flag bit 0 is set.
        case reservedConnectFlag
        /// Will QoS bits set while the Will Flag is clear.
        case willQoSWithoutWill
        /// Will Retain set while the Will Flag is clear.
        case willRetainWithoutWill
        /// The Password Flag is set without the User Name Flag.
        case passwordWithoutUserName
        /// A zero-byte Client Identifier with CleanSession 0; the server answers CONNACK return code 2.
        case clientIdentifierRejected
        /// CONNACK acknowledge flag bits 7-1 are not zero.
        case reservedConnAckFlags
        /// CONNACK with Session Present 1 and a non-zero return code.
        case sessionPresentWithRefusal
        // QoS and packet identifiers
        /// A QoS of 3 (PUBLISH, Will QoS, requested QoS).
        case invalidQoS
        /// DUP set on a QoS 0 PUBLISH.
        case dupWithQoS0
        /// A packet identifier of 0 where a non-zero one is required.
        case zeroPacketIdentifier
        /// Encoding: a QoS 1 or 2 PUBLISH without a packet identifier.
        case missingPacketIdentifier
        /// Encoding: a QoS 0 PUBLISH with a packet identifier.
        case unexpectedPacketIdentifier
        // Topics and subscriptions
        /// A Topic Name or Topic Filter of zero length.
        case emptyTopic
        /// '+' or '#' in a Topic Name.
        case wildcardInTopicName
        /// '#' not alone in its level or not last in a Topic Filter.
        case misplacedMultiLevelWildcard
        /// '+' sharing its level with other characters in a Topic Filter.
        case misplacedSingleLevelWildcard
        /// SUBSCRIBE or UNSUBSCRIBE without a Topic Filter.
        case noTopicFilters
        /// Reserved bits 7-2 of a SUBSCRIBE requested-QoS byte are set.
        case reservedSubscriptionBits
        /// SUBACK without a return code.
        case noReturnCodes
        /// SUBACK return code other than 0x00, 0x01, 0x02, 0x80.
        case invalidSubAckReturnCode
    }

    /// What went wrong, as a stable code.
    public let code: Code
    /// The MQTT 3.1.1 rule that was violated.
    public let rule: MQTTRule
    /// A human explanation naming the field and byte offset at fault.
    public let reason: String
    /// Where in this module the error was raised (`#fileID:#line`), for diagnosis.
    public let location: String

    /// The violated rule's requirement ID, e.g. `MQTT-3.1.1-3.1.2-3`.
    public var requirementID: String { rule.id }

    init(_ code: Code, _ rule: MQTTRule, _ reason: String, fileID: StaticString = #fileID, line: UInt = #line) {
        self.code = code
        self.rule = rule
        self.reason = reason
        self.location = "\(fileID):\(line)"
    }
}

extension MQTTWireError: CustomStringConvertible {
    public var description: String {
        "MQTTWireError.\(code.rawValue) [\(rule.id)]: \(reason) (\(location))"
    }
}
