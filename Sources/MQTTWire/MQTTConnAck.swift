/// A CONNACK packet (section 3.2): the server's answer to CONNECT.
public struct MQTTConnAck: Hashable, Sendable {
    /// Session Present: the server resumed stored session state (section 3.2.2.2).
    /// Always false when `returnCode` is not `.accepted` [MQTT-3.2.2-4].
    public var sessionPresent: Bool
    /// Whether the connection was accepted, and if not, why (section 3.2.2.3).
    public var returnCode: MQTTConnectReturnCode

    public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
        self.sessionPresent = sessionPresent
        self.returnCode = returnCode
    }
}

/// The CONNACK return code (section 3.2.2.3, Table 3.1). Values 6-255 are reserved by the
/// standard but kept, so a transcript shows exactly what a server sent.
///
/// Equality and hashing follow the wire value: `.reserved(1)` equals `.unacceptableProtocolVersion`.
public enum MQTTConnectReturnCode: Sendable {
    /// 0: connection accepted.
    case accepted
    /// 1: the server does not support the protocol level the client asked for.
    case unacceptableProtocolVersion
    /// 2: the Client Identifier is well-formed UTF-8 but not allowed by the server.
    case identifierRejected
    /// 3: the MQTT service is unavailable.
    case serverUnavailable
    /// 4: the user name or password is malformed.
    case badUserNameOrPassword
    /// 5: the client is not authorized to connect.
    case notAuthorized
    /// 6-255: reserved for future use.
    case reserved(UInt8)

    public init(rawValue: UInt8) {
        switch rawValue {
        case 0: self = .accepted
        case 1: self = .unacceptableProtocolVersion
        case 2: self = .identifierRejected
        case 3: self = .serverUnavailable
        case 4: self = .badUserNameOrPassword
        case 5: self = .notAuthorized
        default: self = .reserved(rawValue)
        }
    }

    /// The byte on the wire.
    public var rawValue: UInt8 {
        switch self {
        case .accepted: 0
        case .unacceptableProtocolVersion: 1
        case .identifierRejected: 2
        case .serverUnavailable: 3
        case .badUserNameOrPassword: 4
        case .notAuthorized: 5
        case .reserved(let value): value
        }
    }
}

extension MQTTConnectReturnCode: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

// MARK: - Wire form

extension MQTTConnAck {
    init(reading reader: inout PacketReader) throws(MQTTWireError) {
        let flags = try reader.readByte("Connect Acknowledge Flags", missing: .connAckLength)
        guard flags & 0xFE == 0 else {
            throw MQTTWireError(.reservedConnAckFlags, .connAckFlags,
                                "CONNACK acknowledge flags are 0x\(hex(flags)); bits 7-1 are reserved")
        }
        let code = MQTTConnectReturnCode(rawValue: try reader.readByte("Return Code", missing: .connAckLength))
        self.init(sessionPresent: flags == 1, returnCode: code)
        try validate()
    }

    private func validate() throws(MQTTWireError) {
        if sessionPresent, returnCode != .accepted {
            throw MQTTWireError(.sessionPresentWithRefusal, .sessionPresentOnRefusal,
                                "CONNACK has Session Present 1 with return code \(returnCode.rawValue)")
        }
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        try validate()
        writer.byte(sessionPresent ? 1 : 0)
        writer.byte(returnCode.rawValue)
    }
}
