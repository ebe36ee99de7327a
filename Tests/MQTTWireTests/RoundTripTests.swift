import MQTTWire
import Testing

/// Packets with edge values that must come back unchanged from encode then decode.
let roundTripPackets: [MQTTPacket] = [
    .connect(MQTTConnect(clientIdentifier: "", cleanSession: true)),
    .connect(MQTTConnect(clientIdentifier: "myRegistrationId", cleanSession: true, keepAliveSeconds: 65535,
                         userName: "0neFEEDC0DE/registrations/myRegistrationId/api-version=2019-03-31",
                         password: Array("SharedAccessSignature sr=x&sig=y&se=1&skn=registration".utf8))),
    .connect(MQTTConnect(clientIdentifier: "dévice-温度-😀", cleanSession: false, keepAliveSeconds: 1,
                         will: MQTTWill(topic: "ü/ñ/€", message: [], qos: .atMostOnce, retain: false),
                         userName: "", password: [])),
    .connect(MQTTConnect(clientIdentifier: "x", will: MQTTWill(topic: "t", message: [0, 255, 0], qos: .exactlyOnce, retain: true),
                         userName: "user")),
    .connAck(MQTTConnAck(sessionPresent: false, returnCode: .identifierRejected)),
    .connAck(MQTTConnAck(sessionPresent: false, returnCode: .serverUnavailable)),
    .connAck(MQTTConnAck(sessionPresent: false, returnCode: .badUserNameOrPassword)),
    .connAck(MQTTConnAck(sessionPresent: false, returnCode: .reserved(255))),
    .publish(MQTTPublish(topicName: "t")),
    .publish(MQTTPublish(topicName: "$dps/registrations/PUT/iotdps-register/?$rid=1",
                         payload: Array(#"{"registrationId":"myRegistrationId"}"#.utf8),
                         qos: .atLeastOnce, packetIdentifier: 65535)),
    .publish(MQTTPublish(topicName: "/", payload: [0], qos: .exactlyOnce, packetIdentifier: 1, dup: true, retain: true)),
    .publish(MQTTPublish(topicName: "温度/😀", payload: Array(repeating: 0xAB, count: 1000), retain: true)),
    .pubAck(packetIdentifier: 65535), .pubRec(packetIdentifier: 65535),
    .pubRel(packetIdentifier: 1), .pubComp(packetIdentifier: 65535),
    .subscribe(MQTTSubscribe(packetIdentifier: 65535, subscriptions: [
        MQTTSubscription(topicFilter: "é/+/#", requestedQoS: .exactlyOnce),
        MQTTSubscription(topicFilter: "a", requestedQoS: .atMostOnce),
    ])),
    .subAck(MQTTSubAck(packetIdentifier: 65535, returnCodes: [.granted(.atMostOnce), .granted(.exactlyOnce), .failure])),
    .unsubscribe(MQTTUnsubscribe(packetIdentifier: 65535, topicFilters: ["#", "😀/+"])),
    .unsubAck(packetIdentifier: 65535),
    .pingReq, .pingResp, .disconnect,
]

/// A Remaining Length and its shortest encoding, worked out by hand from section 2.2.3.
struct RemainingLengthBoundary: Sendable, CustomTestStringConvertible {
    let value: Int
    let encoded: [UInt8]
    var testDescription: String { "Remaining Length \(value)" }
}

let remainingLengthBoundaries: [RemainingLengthBoundary] = [
    RemainingLengthBoundary(value: 3, encoded: [0x03]),
    RemainingLengthBoundary(value: 127, encoded: [0x7F]),
    RemainingLengthBoundary(value: 128, encoded: [0x80, 0x01]),
    RemainingLengthBoundary(value: 321, encoded: [0xC1, 0x02]),
    RemainingLengthBoundary(value: 16383, encoded: [0xFF, 0x7F]),
    RemainingLengthBoundary(value: 16384, encoded: [0x80, 0x80, 0x01]),
    RemainingLengthBoundary(value: 2_097_151, encoded: [0xFF, 0xFF, 0x7F]),
    RemainingLengthBoundary(value: 2_097_152, encoded: [0x80, 0x80, 0x80, 0x01]),
]

@Suite("Round trips")
struct RoundTripTests {
    @Test("encode then decode gives the same packet, byte for byte", arguments: roundTripPackets)
    func roundTrip(_ packet: MQTTPacket) throws {
        let encoded = try packet.encode()
        let decoded = try MQTTPacket.decode(encoded)
        #expect(decoded == packet)
        // String == is canonical equivalence; insist the exact bytes survived too.
        #expect(try decoded.encode() == encoded)
    }

    @Test("PUBLISH at each Remaining Length boundary", arguments: remainingLengthBoundaries)
    func remainingLengthBoundary(_ boundary: RemainingLengthBoundary) throws {
        // Topic "t" takes 3 bytes; the payload fills the rest.
        let packet = MQTTPacket.publish(MQTTPublish(topicName: "t", payload: Array(repeating: 0x5A, count: boundary.value - 3)))
        let encoded = try packet.encode()
        #expect(encoded[0] == 0x30)
        #expect(Array(encoded[1...boundary.encoded.count]) == boundary.encoded)
        #expect(encoded.count == 1 + boundary.encoded.count + boundary.value)
        #expect(Array(encoded[(1 + boundary.encoded.count)...].prefix(3)) == [0x00, 0x01, 0x74])
        #expect(try MQTTPacket.decode(encoded) == packet)

        var decoder = MQTTFrameDecoder(maximumPacketSize: 4_000_000)
        #expect(try decoder.feed(encoded) == [packet])
    }

    @Test("SUBSCRIBE crossing the one-byte Remaining Length boundary")
    func subscribeAt128() throws {
        // 2 (id) + 2 + 123 (filter) + 1 (QoS) = 128.
        let filter = String(repeating: "f", count: 123)
        let packet = MQTTPacket.subscribe(MQTTSubscribe(packetIdentifier: 9, subscriptions: [
            MQTTSubscription(topicFilter: filter, requestedQoS: .atMostOnce)]))
        let encoded = try packet.encode()
        #expect(Array(encoded.prefix(6)) == [0x82, 0x80, 0x01, 0x00, 0x09, 0x00])
        #expect(encoded.count == 131)
        #expect(try MQTTPacket.decode(encoded) == packet)
    }

    @Test("seeded random valid packets round-trip")
    func randomPackets() throws {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        for _ in 0..<2_000 {
            let packet = PacketGenerator.packet(using: &generator)
            let encoded = try packet.encode()
            let decoded = try MQTTPacket.decode(encoded)
            #expect(decoded == packet)
            #expect(try decoded.encode() == encoded)
        }
    }

    @Test("the password never shows in descriptions, reflection or dumps")
    func passwordRedacted() {
        let secret = "SharedAccessSignature sr=scope&sig=TOPSECRET"
        let connect = MQTTConnect(clientIdentifier: "dev", userName: "user", password: Array(secret.utf8))
        var dumped = ""
        dump(connect, to: &dumped)
        for text in [connect.description, String(reflecting: connect), "\(MQTTPacket.connect(connect))",
                     String(reflecting: MQTTPacket.connect(connect)), dumped] {
            #expect(!text.contains("TOPSECRET"))
            #expect(!text.contains("83, 104, 97")) // the password's first bytes as a list
        }
        #expect(connect.description.contains("<redacted>"))
    }
}

/// Random valid packets, so round trips cover combinations no table lists.
enum PacketGenerator {
    private static let pieces = ["a", "dps", "é", "温度", "😀", "$dps", "registrations", "x y", "\u{FEFF}"]

    static func packet(using g: inout SeededGenerator) -> MQTTPacket {
        let id = UInt16.random(in: 1...UInt16.max, using: &g)
        switch Int.random(in: 0..<14, using: &g) {
        case 0:
            let hasUser = Bool.random(using: &g)
            let will: MQTTWill? = Bool.random(using: &g)
                ? MQTTWill(topic: topicName(&g), message: g.bytes(count: Int.random(in: 0...20, using: &g)),
                           qos: qos(&g), retain: Bool.random(using: &g))
                : nil
            return .connect(MQTTConnect(
                clientIdentifier: text(&g, levels: 1), cleanSession: true,
                keepAliveSeconds: UInt16.random(in: 0...UInt16.max, using: &g), will: will,
                userName: hasUser ? text(&g, levels: 3) : nil,
                password: hasUser && Bool.random(using: &g) ? g.bytes(count: Int.random(in: 0...40, using: &g)) : nil))
        case 1:
            let code = MQTTConnectReturnCode(rawValue: UInt8.random(in: 0...255, using: &g))
            return .connAck(MQTTConnAck(sessionPresent: code == .accepted && Bool.random(using: &g), returnCode: code))
        case 2:
            let q = qos(&g)
            return .publish(MQTTPublish(
                topicName: topicName(&g), payload: g.bytes(count: Int.random(in: 0...300, using: &g)), qos: q,
                packetIdentifier: q == .atMostOnce ? nil : id, dup: q != .atMostOnce && Bool.random(using: &g),
                retain: Bool.random(using: &g)))
        case 3: return .pubAck(packetIdentifier: id)
        case 4: return .pubRec(packetIdentifier: id)
        case 5: return .pubRel(packetIdentifier: id)
        case 6: return .pubComp(packetIdentifier: id)
        case 7:
            let count = Int.random(in: 1...5, using: &g)
            return .subscribe(MQTTSubscribe(packetIdentifier: id, subscriptions: (0..<count).map { _ in
                MQTTSubscription(topicFilter: topicFilter(&g), requestedQoS: qos(&g))
            }))
        case 8:
            let count = Int.random(in: 1...5, using: &g)
            return .subAck(MQTTSubAck(packetIdentifier: id, returnCodes: (0..<count).map { _ in
                Bool.random(using: &g) ? .granted(qos(&g)) : .failure
            }))
        case 9:
            let count = Int.random(in: 1...5, using: &g)
            return .unsubscribe(MQTTUnsubscribe(packetIdentifier: id, topicFilters: (0..<count).map { _ in topicFilter(&g) }))
        case 10: return .unsubAck(packetIdentifier: id)
        case 11: return .pingReq
        case 12: return .pingResp
        default: return .disconnect
        }
    }

    private static func qos(_ g: inout SeededGenerator) -> MQTTQoS {
        MQTTQoS.allCases.randomElement(using: &g) ?? .atMostOnce
    }

    private static func text(_ g: inout SeededGenerator, levels: Int) -> String {
        (0..<Int.random(in: 1...levels, using: &g)).map { _ in pieces.randomElement(using: &g) ?? "a" }.joined(separator: "/")
    }

    private static func topicName(_ g: inout SeededGenerator) -> String { text(&g, levels: 4) }

    private static func topicFilter(_ g: inout SeededGenerator) -> String {
        var levels = (0..<Int.random(in: 1...4, using: &g)).map { _ in
            Int.random(in: 0..<4, using: &g) == 0 ? "+" : (pieces.randomElement(using: &g) ?? "a")
        }
        if Bool.random(using: &g) { levels.append("#") }
        return levels.joined(separator: "/")
    }
}
