/// The 14 MQTT 3.1.1 control packet types (section 2.2.1, Table 2.1), by their wire value.
public enum MQTTPacketType: UInt8, Hashable, Sendable, CaseIterable {
    case connect = 1
    case connAck = 2
    case publish = 3
    case pubAck = 4
    case pubRec = 5
    case pubRel = 6
    case pubComp = 7
    case subscribe = 8
    case subAck = 9
    case unsubscribe = 10
    case unsubAck = 11
    case pingReq = 12
    case pingResp = 13
    case disconnect = 14

    /// The packet's name as the standard spells it, e.g. `PUBREL`.
    public var name: String {
        switch self {
        case .connect: "CONNECT"
        case .connAck: "CONNACK"
        case .publish: "PUBLISH"
        case .pubAck: "PUBACK"
        case .pubRec: "PUBREC"
        case .pubRel: "PUBREL"
        case .pubComp: "PUBCOMP"
        case .subscribe: "SUBSCRIBE"
        case .subAck: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsubAck: "UNSUBACK"
        case .pingReq: "PINGREQ"
        case .pingResp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        }
    }
}

extension MQTTPacketType {
    /// The fixed-header flags every packet of this type carries (Table 2.2); nil for PUBLISH,
    /// whose flags are DUP, QoS and RETAIN.
    var requiredFlags: UInt8? {
        switch self {
        case .publish: nil
        case .pubRel, .subscribe, .unsubscribe: 0b0010
        default: 0
        }
    }

    /// The most specific rule the fixed-header flags of this type fall under.
    var flagsRule: MQTTRule {
        switch self {
        case .pubRel: .pubRelFlags
        case .subscribe: .subscribeFlags
        case .unsubscribe: .unsubscribeFlags
        case .disconnect: .disconnectFlags
        default: .fixedHeaderFlags
        }
    }

    /// The Remaining Length of packet types whose size is fixed, with the rule that fixes it.
    var fixedRemainingLength: (length: Int, rule: MQTTRule)? {
        switch self {
        case .connAck: (2, .connAckLength)
        case .pubAck: (2, .pubAckLength)
        case .pubRec: (2, .pubRecLength)
        case .pubRel: (2, .pubRelLength)
        case .pubComp: (2, .pubCompLength)
        case .unsubAck: (2, .unsubAckLength)
        case .pingReq: (0, .pingReqLength)
        case .pingResp: (0, .pingRespLength)
        case .disconnect: (0, .disconnectLength)
        case .connect, .publish, .subscribe, .subAck, .unsubscribe: nil
        }
    }
}
