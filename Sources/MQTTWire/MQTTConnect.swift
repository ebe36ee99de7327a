/// A CONNECT packet (section 3.1): the first packet a client sends, naming itself and,
/// for DPS, carrying the registration ID as Client Identifier and the SAS token as password.
///
/// The protocol name and level are always "MQTT" and 4: any other value is refused when
/// decoding, so they are constants rather than fields.
public struct MQTTConnect: Hashable, Sendable {
    /// The protocol name every MQTT 3.1.1 CONNECT carries (section 3.1.2.1).
    public static let protocolName = "MQTT"
    /// The protocol level of MQTT 3.1.1 (section 3.1.2.2).
    public static let protocolLevel: UInt8 = 4

    /// The Client Identifier (section 3.1.3.1); may be empty only with `cleanSession`.
    public var clientIdentifier: String
    /// CleanSession: discard any previous session and start a new one (section 3.1.2.4).
    public var cleanSession: Bool
    /// Keep Alive in seconds; 0 turns the keep-alive mechanism off (section 3.1.2.10).
    public var keepAliveSeconds: UInt16
    /// The Will Message to publish if the connection drops, if any (section 3.1.2.5).
    public var will: MQTTWill?
    /// The User Name (section 3.1.3.4).
    public var userName: String?
    /// The Password as raw bytes (section 3.1.3.5); may only be present with a user name.
    /// Never shown by `description` or reflection.
    public var password: [UInt8]?

    public init(
        clientIdentifier: String,
        cleanSession: Bool = true,
        keepAliveSeconds: UInt16 = 0,
        will: MQTTWill? = nil,
        userName: String? = nil,
        password: [UInt8]? = nil
    ) {
        self.clientIdentifier = clientIdentifier
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
        self.will = will
        self.userName = userName
        self.password = password
    }

    /// The Connect Flags byte this value encodes to (section 3.1.2.3).
    public var flags: UInt8 {
        var flags: UInt8 = 0
        if userName != nil { flags |= 0x80 }
        if password != nil { flags |= 0x40 }
        if let will {
            if will.retain { flags |= 0x20 }
            flags |= will.qos.rawValue << 3
            flags |= 0x04
        }
        if cleanSession { flags |= 0x02 }
        return flags
    }
}

/// The Will of a CONNECT: a message the server publishes when the connection ends without
/// DISCONNECT (section 3.1.2.5).
public struct MQTTWill: Hashable, Sendable {
    /// The Will Topic, a Topic Name (no wildcards).
    public var topic: String
    /// The Will Message, as raw bytes.
    public var message: [UInt8]
    /// The QoS to publish the Will Message with.
    public var qos: MQTTQoS
    /// Whether the Will Message is published as a retained message.
    public var retain: Bool

    public init(topic: String, message: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.message = message
        self.qos = qos
        self.retain = retain
    }
}

// MARK: - Wire form

private let protocolNameBytes: [UInt8] = Array(MQTTConnect.protocolName.utf8)

extension MQTTConnect {
    init(reading reader: inout PacketReader) throws(MQTTWireError) {
        // Variable header (section 3.1.2): name and level come first, so an MQTT 3.1 or 5
        // client is recognised before anything else is judged.
        let name = try reader.readLengthPrefixed("Protocol Name", missing: .remainingLength)
        guard reader.bytes(in: name, equal: protocolNameBytes) else {
            throw MQTTWireError(.invalidProtocolName, .protocolName, "CONNECT Protocol Name at offset 2 is not \"MQTT\"")
        }
        let level = try reader.readByte("Protocol Level", missing: .remainingLength)
        guard level == Self.protocolLevel else {
            throw MQTTWireError(.unacceptableProtocolLevel, .protocolLevel, "CONNECT Protocol Level is \(level), not 4")
        }
        let flags = try reader.readByte("Connect Flags", missing: .remainingLength)
        try Self.validate(flags: flags)
        let keepAlive = try reader.readUInt16("Keep Alive", missing: .remainingLength)

        // Payload (section 3.1.3), in the fixed order [MQTT-3.1.3-1].
        let clientIdentifier = try reader.readString("Client Identifier", missing: .clientIdentifierPresent)
        var will: MQTTWill?
        if flags & 0x04 != 0 {
            let topic = try reader.readString("Will Topic", missing: .willFieldsPresent)
            try TopicValidation.validateName(Array(topic.utf8), field: "CONNECT Will Topic", wildcardRule: .topicNameWildcard)
            let message = try reader.readBinary("Will Message", missing: .willFieldsPresent)
            // validate(flags:) has refused QoS 3, so the fallback is never taken.
            let qos = MQTTQoS(rawValue: (flags >> 3) & 0b11) ?? .atMostOnce
            will = MQTTWill(topic: topic, message: message, qos: qos, retain: flags & 0x20 != 0)
        }
        let userName: String? = if flags & 0x80 != 0 {
            try reader.readString("User Name", missing: .userNamePresent)
        } else { nil }
        let password: [UInt8]? = if flags & 0x40 != 0 {
            try reader.readBinary("Password", missing: .passwordPresent)
        } else { nil }
        try reader.expectEnd()

        self.init(clientIdentifier: clientIdentifier, cleanSession: flags & 0x02 != 0,
                  keepAliveSeconds: keepAlive, will: will, userName: userName, password: password)
        // Checked last: only an otherwise valid CONNECT earns the CONNACK 2 answer.
        try validateClientIdentifier()
    }

    private static func validate(flags: UInt8) throws(MQTTWireError) {
        if flags & 0x01 != 0 {
            throw MQTTWireError(.reservedConnectFlag, .connectReservedFlag, "CONNECT flags bit 0 (reserved) is set")
        }
        let willQoS = (flags >> 3) & 0b11
        if flags & 0x04 == 0 {
            if willQoS != 0 {
                throw MQTTWireError(.willQoSWithoutWill, .willQoSWithoutWill,
                                    "CONNECT Will QoS is \(willQoS) while the Will Flag is clear")
            }
            if flags & 0x20 != 0 {
                throw MQTTWireError(.willRetainWithoutWill, .willRetainWithoutWill,
                                    "CONNECT Will Retain is set while the Will Flag is clear")
            }
        } else if willQoS == 3 {
            throw MQTTWireError(.invalidQoS, .willQoSRange, "CONNECT Will QoS is 3")
        }
        if flags & 0x40 != 0, flags & 0x80 == 0 {
            throw MQTTWireError(.passwordWithoutUserName, .passwordNeedsUserName,
                                "CONNECT Password Flag is set while the User Name Flag is clear")
        }
    }

    private func validateClientIdentifier() throws(MQTTWireError) {
        if clientIdentifier.utf8.isEmpty, !cleanSession {
            throw MQTTWireError(.clientIdentifierRejected, .emptyClientIdentifier,
                                "CONNECT has a zero-byte Client Identifier with CleanSession 0")
        }
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        if password != nil, userName == nil {
            throw MQTTWireError(.passwordWithoutUserName, .passwordNeedsUserName, "CONNECT has a password but no user name")
        }
        try validateClientIdentifier()
        try writer.string(protocolNameBytes, "Protocol Name")
        writer.byte(Self.protocolLevel)
        writer.byte(flags)
        writer.uint16(keepAliveSeconds)
        try writer.string(Array(clientIdentifier.utf8), "Client Identifier")
        if let will {
            let topic = Array(will.topic.utf8)
            try TopicValidation.validateName(topic, field: "CONNECT Will Topic", wildcardRule: .topicNameWildcard)
            try writer.string(topic, "Will Topic", lengthRule: .topicLength)
            try writer.binary(will.message, "Will Message")
        }
        if let userName { try writer.string(Array(userName.utf8), "User Name") }
        if let password { try writer.binary(password, "Password") }
    }
}

// MARK: - Descriptions that never show the password

extension MQTTConnect: CustomStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["clientIdentifier: \(String(reflecting: clientIdentifier))",
                     "cleanSession: \(cleanSession)", "keepAliveSeconds: \(keepAliveSeconds)"]
        if let will { parts.append("will: \(will)") }
        if let userName { parts.append("userName: \(String(reflecting: userName))") }
        if password != nil { parts.append("password: <redacted>") }
        return "CONNECT(\(parts.joined(separator: ", ")))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "clientIdentifier": clientIdentifier, "cleanSession": cleanSession,
            "keepAliveSeconds": keepAliveSeconds, "will": will as Any, "userName": userName as Any,
            "password": password == nil ? "nil" : "<redacted>",
        ], displayStyle: .struct)
    }
}

extension MQTTWill: CustomStringConvertible {
    public var description: String {
        "Will(topic: \(String(reflecting: topic)), message: \(message.count) bytes, qos: \(qos.rawValue), retain: \(retain))"
    }
}
