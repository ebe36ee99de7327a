import DPSCore

/// One `mqtt` case: a DPS MQTT session (CONNECT, SUBSCRIBE, register PUBLISH) with one
/// malformation the server must refuse (MQTT 3.1.1 sections 1.5.3, 2.2, 3.1 to 3.8): a bad
/// remaining length, reserved flags, invalid UTF-8, a wildcard in a PUBLISH topic, packets out of
/// order, an oversized packet, a reserved packet type, another protocol level.
public struct MQTTPacketCase: Sendable, Hashable, Codable {
    public enum Malformation: String, Sendable, Hashable, CaseIterable, Codable {
        case remainingLengthFiveBytes = "remaining-length-five-bytes"
        case remainingLengthBeyondData = "remaining-length-beyond-data"
        case connectReservedFlag = "connect-reserved-flag"
        case subscribeFlagsZero = "subscribe-flags-not-0010"
        case publishQoS3 = "publish-qos-3"
        case invalidUTF8ClientID = "invalid-utf8-client-id"
        case surrogateInTopic = "utf16-surrogate-in-topic"
        case nulInUsername = "nul-in-username"
        case wildcardInPublishTopic = "wildcard-in-publish-topic"
        case publishBeforeConnect = "publish-before-connect"
        case secondConnect = "second-connect"
        case oversizedPublish = "oversized-publish"
        case reservedPacketType0 = "reserved-packet-type-0"
        case reservedPacketType15 = "reserved-packet-type-15"
        case protocolLevel5 = "protocol-level-5"
        case protocolNameWrong = "protocol-name-wrong"
        case passwordWithoutUsername = "password-without-username"
        case truncatedPacket = "truncated-packet"
        /// Out of order: SUBSCRIBE before CONNECT.
        case subscribeBeforeConnect = "subscribe-before-connect"
        /// Packets only a server sends, sent by the device.
        case connackFromDevice = "connack-from-device"
        case subackFromDevice = "suback-from-device"
        /// A well-formed session trickled a byte at a time (slowloris): the CONNECT deadline ends it.
        case slowSender = "slow-sender"
        /// A session, DISCONNECT, then a second register PUBLISH in the same write: the service
        /// closes the connection and answers nothing sent after DISCONNECT.
        case packetsAfterDisconnect = "packets-after-disconnect"
    }

    /// The `$rid` of the register PUBLISH sent after DISCONNECT (`packetsAfterDisconnect`).
    static let afterDisconnectRequestID = "2"

    /// How a slow sender writes: one byte every 200 ms.
    static let trickle = TLSExchange.Trickle(bytesPerWrite: 1, interval: .milliseconds(200))

    public var index: Int
    public var malformation: Malformation

    /// The MQTT 3.1.1 rule the malformation breaks (MQTTWire's rule IDs).
    public var rule: RequirementID? {
        switch malformation {
        case .connackFromDevice, .subackFromDevice: return .dpsMqttPkt001
        case .slowSender: return .dpsMqttConn001
        // The session is over at DISCONNECT (MQTT 3.1.1 section 3.14.4).
        case .packetsAfterDisconnect: return .dpsMqttDisc001
        default: break
        }
        let number: String = switch malformation {
        case .remainingLengthFiveBytes, .remainingLengthBeyondData, .truncatedPacket, .oversizedPublish: "2.2.3"
        case .connectReservedFlag: "3.1.2-3"
        case .subscribeFlagsZero: "3.8.1-1"
        case .publishQoS3: "3.3.1-4"
        case .invalidUTF8ClientID, .surrogateInTopic: "1.5.3-1"
        case .nulInUsername: "1.5.3-2"
        case .wildcardInPublishTopic: "3.3.2-2"
        case .publishBeforeConnect, .subscribeBeforeConnect: "3.1.0-1"
        case .secondConnect: "3.1.0-2"
        case .reservedPacketType0, .reservedPacketType15: "2.2.1"
        case .protocolLevel5: "3.1.2-2"
        case .protocolNameWrong: "3.1.2-1"
        case .passwordWithoutUsername: "3.1.2-22"
        case .connackFromDevice, .subackFromDevice, .slowSender, .packetsAfterDisconnect: ""
        }
        return RequirementID(mqttRule: RequirementID.mqttRulePrefix + number)
    }
    /// The registration ID of the session (valid: only the malformation can cause a refusal).
    public var registrationID: String

    public var canonicalBytes: [UInt8] { JSONText.encode(self) }

    public static func make(seed: UInt64, index: Int) -> MQTTPacketCase {
        var random = FuzzRandom.forCase(seed: seed, index: index, stream: 6)
        let id = "mqtt-fuzz-" + RegistrationIDGenerator.validID(length: random.int(in: 4...12), lowercaseOnly: true, &random)
        return MQTTPacketCase(index: index, malformation: random.pick(Malformation.allCases), registrationID: id)
    }

    /// The bytes of the case: a well-formed session with the malformation applied.
    func bytes(idScope: String, token: String?) -> [UInt8] {
        let good = RegistrationIDCase(index: index, id: registrationID, origin: "mqtt", transport: .mqtt, credential: .sas)
        let session = RegistrationRequest.mqtt(good, idScope: idScope, token: token)
        let username = "\(idScope)/registrations/\(registrationID)/api-version=\(RegistrationRequest.mqttAPIVersion)"
        func connect(level: UInt8 = 4, name: String = "MQTT", flags: UInt8 = 0xC2, clientID: [UInt8]? = nil, user: [UInt8]? = nil) -> [UInt8] {
            var payload = raw(clientID ?? Array(registrationID.utf8))
            if flags & 0x80 != 0 { payload += raw(user ?? Array(username.utf8)) }
            if flags & 0x40 != 0 { payload += RegistrationRequest.string(token ?? "") }
            return RegistrationRequest.packet(0x10, RegistrationRequest.string(name) + [level, flags, 0, 60] + payload)
        }
        let subscribe = RegistrationRequest.packet(0x82, [0, 1] + RegistrationRequest.string(DPSTopic.responseFilter) + [1])
        let body = RegistrationRequest.body(good)
        func publish(topic: [UInt8], first: UInt8 = 0x32, payload: [UInt8] = body) -> [UInt8] {
            RegistrationRequest.packet(first, raw(topic) + [0, 2] + payload)
        }
        let register = publish(topic: Array(DPSTopic.register(requestID: "1").utf8))
        switch malformation {
        case .remainingLengthFiveBytes: return connect() + [0x82, 0xff, 0xff, 0xff, 0xff, 0x7f]
        case .remainingLengthBeyondData: return connect() + subscribe + [0x32, 0xff, 0xff, 0xff, 0x7f] + Array(register.dropFirst(2))
        case .connectReservedFlag: return connect(flags: 0xC3) + subscribe + register
        case .subscribeFlagsZero: return connect() + [0x80] + Array(subscribe.dropFirst()) + register
        case .publishQoS3: return connect() + subscribe + [0x36] + Array(register.dropFirst())
        case .invalidUTF8ClientID: return connect(clientID: [0x6d, 0xc0, 0x80, 0x6e]) + subscribe + register
        case .surrogateInTopic: return connect() + subscribe + publish(topic: Array("$dps/registrations/PUT/iotdps-register/?$rid=".utf8) + [0xed, 0xa0, 0x80])
        case .nulInUsername: return connect(user: Array(username.utf8) + [0]) + subscribe + register
        case .wildcardInPublishTopic: return connect() + subscribe + publish(topic: Array("$dps/registrations/PUT/iotdps-register/#".utf8))
        case .publishBeforeConnect: return register + session
        case .secondConnect: return session + connect()
        case .oversizedPublish: return connect() + subscribe + publish(topic: Array(DPSTopic.register(requestID: "1").utf8), payload: Array(repeating: 0x20, count: 300_000))
        case .reservedPacketType0: return connect() + [0x00, 0x00] + subscribe + register
        case .reservedPacketType15: return connect() + [0xf0, 0x00] + subscribe + register
        case .protocolLevel5: return connect(level: 5) + subscribe + register
        case .protocolNameWrong: return connect(name: "MQIsdp") + subscribe + register
        case .passwordWithoutUsername: return connect(flags: 0x42) + subscribe + register
        case .truncatedPacket: return Array(connect().dropLast(3))
        case .subscribeBeforeConnect: return subscribe + session
        case .connackFromDevice: return connect() + [0x20, 0x02, 0x00, 0x00] + subscribe + register
        case .subackFromDevice: return connect() + [0x90, 0x03, 0x00, 0x01, 0x01] + subscribe + register
        case .slowSender: return session
        case .packetsAfterDisconnect:
            return session + [0xe0, 0x00] + publish(topic: Array(DPSTopic.register(requestID: Self.afterDisconnectRequestID).utf8))
        }
    }

    /// A length-prefixed MQTT string of exactly these bytes (valid UTF-8 or not).
    func raw(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes }
}
