/// The MQTT 3.1.1 control packet types (MQTT 3.1.1 section 2.2.1).
public enum MQTTPacketKind: String, Sendable, Hashable, Codable, CaseIterable {
    case connect = "CONNECT", connAck = "CONNACK", publish = "PUBLISH", pubAck = "PUBACK", pubRec = "PUBREC", pubRel = "PUBREL"
    case pubComp = "PUBCOMP", subscribe = "SUBSCRIBE", subAck = "SUBACK", unsubscribe = "UNSUBSCRIBE", unsubAck = "UNSUBACK"
    case pingReq = "PINGREQ", pingResp = "PINGRESP", disconnect = "DISCONNECT"
}

/// An MQTT packet as recorded: its type and the fields the checks read. The password of a
/// CONNECT is kept only in redacted form (a SAS token without its signature).
public enum MQTTPacketRecord: Sendable, Hashable, Codable {
    case connect(MQTTConnectRecord)
    case connAck(returnCode: Int, sessionPresent: Bool)
    case publish(MQTTPublishRecord)
    case pubAck(packetID: Int)
    case subscribe(packetID: Int, filters: [MQTTSubscriptionRecord])
    case subAck(packetID: Int, returnCodes: [Int])
    case unsubscribe(packetID: Int, filters: [String])
    case unsubAck(packetID: Int)
    case pingReq
    case pingResp
    case disconnect
    /// PUBREC, PUBREL, PUBCOMP: the QoS 2 flow, which a DPS session never uses.
    case qos2Flow(MQTTPacketKind, packetID: Int)

    public var kind: MQTTPacketKind {
        switch self {
        case .connect: .connect
        case .connAck: .connAck
        case .publish: .publish
        case .pubAck: .pubAck
        case .subscribe: .subscribe
        case .subAck: .subAck
        case .unsubscribe: .unsubscribe
        case .unsubAck: .unsubAck
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        case .qos2Flow(let kind, _): kind
        }
    }
}

/// A CONNECT's fields.
public struct MQTTConnectRecord: Sendable, Hashable, Codable {
    public var clientID: String
    public var username: String?
    /// The password, redacted where it is made (`Redaction.credential`); nil when none was sent.
    public var password: RedactedCredential?
    public var cleanSession: Bool
    public var keepAliveSeconds: Int

    public init(clientID: String, username: String?, password: [UInt8]?, cleanSession: Bool, keepAliveSeconds: Int) {
        self.clientID = clientID
        self.username = username
        self.password = password.map { RedactedCredential(String(decoding: $0, as: UTF8.self)) }
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
    }
}

/// A PUBLISH's fields; the payload as text (lossy UTF-8, SAS signatures redacted, at most
/// `PayloadText.limit` bytes kept) and its full size.
public struct MQTTPublishRecord: Sendable, Hashable, Codable {
    public var topic: String
    public var qos: Int
    public var duplicate: Bool
    public var retain: Bool
    public var packetID: Int?
    public var payloadSize: Int
    public var payload: PayloadText?

    /// `textLimit`: a payload larger than this is kept as its digest only (a bounded transcript).
    public init(topic: String, qos: Int, duplicate: Bool, retain: Bool, packetID: Int?, payload: [UInt8], textLimit: Int? = nil) {
        self.topic = topic
        self.qos = qos
        self.duplicate = duplicate
        self.retain = retain
        self.packetID = packetID
        self.payloadSize = payload.count
        self.payload = payload.isEmpty ? nil : PayloadText(payload, textLimit: textLimit)
    }
}

/// One topic filter of a SUBSCRIBE and the QoS asked for.
public struct MQTTSubscriptionRecord: Sendable, Hashable, Codable {
    public var filter: String
    public var qos: Int

    public init(filter: String, qos: Int) {
        self.filter = filter
        self.qos = qos
    }
}
