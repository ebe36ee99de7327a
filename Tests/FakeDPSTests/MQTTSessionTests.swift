import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import Testing

@Suite("MQTT front end, driven byte by byte on an EmbeddedChannel")
struct MQTTSessionTests {
    @Test("CONNECT with a valid SAS is accepted with session-present 0, whatever CleanSession says", arguments: [true, false])
    func connectAccepted(cleanSession: Bool) throws {
        let session = try MQTTSession()
        try session.connect(cleanSession: cleanSession)
        #expect(try session.received() == [.connAck(MQTTConnAck(sessionPresent: false, returnCode: .accepted))])
        #expect(session.isActive)
    }

    @Test("a client id that is not the registration ID gets CONNACK 2 and the connection closes")
    func clientIDMismatch() throws {
        let session = try MQTTSession()
        try session.send(.connect(MQTTConnect(clientIdentifier: "other", userName: MQTTUsername(idScope: ServiceFixture.scope, registrationID: "dev-1").text,
                                              password: Array(try ServiceFixture.token(clock: session.clock).utf8))))
        #expect(try session.received() == [.connAck(MQTTConnAck(returnCode: .identifierRejected))])
        #expect(!session.isActive)
    }

    @Test("a malformed username ('?api-version') gets CONNACK 4", arguments: [
        "0ne00FA4E01/registrations/dev-1?api-version=2019-03-31", "dev-1", "",
    ])
    func badUsername(username: String) throws {
        let session = try MQTTSession()
        try session.connect(username: username)
        #expect(try session.received() == [.connAck(MQTTConnAck(returnCode: .badUserNameOrPassword))])
        #expect(!session.isActive)
        #expect(session.transcript.snapshot.contains { if case .refused? = $0.note { true } else { false } })
    }

    @Test("protocol level 3 gets CONNACK 1 before the close (MQTT-3.1.1-3.1.2-2)")
    func protocolLevel() throws {
        let session = try MQTTSession()
        // CONNECT, protocol name "MQTT", level 3, clean session, keepalive 60, client id "a".
        try session.send(bytes: [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61])
        #expect(try session.received() == [.connAck(MQTTConnAck(returnCode: .unacceptableProtocolVersion))])
        #expect(!session.isActive)
    }

    @Test("the first packet must be CONNECT")
    func firstPacketNotConnect() throws {
        let session = try MQTTSession()
        try session.send(.pingReq)
        #expect(try session.received().isEmpty)
        #expect(!session.isActive)
        #expect(session.transcript.snapshot.last?.summary.contains("MQTT-3.1.1-3.1.0-1") == true)
    }

    @Test("a malformed packet closes the connection and is recorded with its rule")
    func malformed() throws {
        let session = try MQTTSession()
        try session.connect()
        _ = try session.received()
        // SUBSCRIBE with reserved flags 0000 instead of 0010.
        try session.send(bytes: [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x23, 0x01])
        #expect(!session.isActive)
        let malformed = try #require(session.transcript.snapshot.first { if case .malformed? = $0.note { true } else { false } })
        #expect(malformed.note?.requirement?.rawValue.hasPrefix("MQTT-3.1.1-") == true, "the broken MQTT rule is recorded as its requirement")
    }

    @Test("SUBSCRIBE: the response filter is granted QoS 1 even when QoS 2 is asked; other filters fail", arguments: [
        (MQTTQoS.atMostOnce, MQTTSubAckReturnCode.granted(.atMostOnce)),
        (.atLeastOnce, .granted(.atLeastOnce)),
        (.exactlyOnce, .granted(.atLeastOnce)),
    ])
    func subscribe(requested: MQTTQoS, granted: MQTTSubAckReturnCode) throws {
        let session = try MQTTSession()
        try session.connect()
        _ = try session.received()
        try session.send(.subscribe(MQTTSubscribe(packetIdentifier: 7, subscriptions: [
            MQTTSubscription(topicFilter: DPSTopic.responseFilter, requestedQoS: requested),
            MQTTSubscription(topicFilter: "$dps/registrations/res/202/#", requestedQoS: .atLeastOnce),
            MQTTSubscription(topicFilter: "#", requestedQoS: .atLeastOnce),
        ])))
        #expect(try session.received() == [.subAck(MQTTSubAck(packetIdentifier: 7, returnCodes: [granted, .failure, .failure]))])
    }

    @Test("register before subscribing is acknowledged but no response is delivered")
    func publishBeforeSubscribe() throws {
        let session = try MQTTSession()
        try session.connect()
        _ = try session.received()
        try session.register()
        #expect(try session.received() == [.pubAck(packetIdentifier: 10)])
        #expect(session.transcript.snapshot.contains { if case .undelivered? = $0.note { true } else { false } })
    }

    @Test("register, poll, assigned: $rid echoed first, retry-after on 202, operationId reused")
    func fullFlow() throws {
        let session = try MQTTSession(configuration: ServiceFixture.configuration { $0.assigningPolls = 1 })
        try session.connect()
        try session.subscribe()
        _ = try session.received()
        try session.register(rid: "a b")
        let registerReplies = try session.received()
        #expect(registerReplies.first == .pubAck(packetIdentifier: 10))
        let accepted = try #require(registerReplies.last?.publish)
        #expect(accepted.topicName == "$dps/registrations/res/202/?$rid=a%20b&retry-after=3")
        #expect(accepted.qos == .atLeastOnce)
        let status = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.payload, what: "202")
        #expect(status.status == .assigning)
        let operation = try #require(status.operationId)
        #expect(operation.range(of: #"^4\.[0-9a-f]{16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"#, options: .regularExpression) != nil)

        try session.poll(rid: "2", operation: operation, payload: Array(" ".utf8))
        let assigning = try #require(try session.received().last?.publish)
        #expect(assigning.topicName.hasPrefix("$dps/registrations/res/202/?$rid=2&retry-after="))

        try session.poll(rid: "3", operation: operation, payload: Array(DeviceRegistration.wireText(registrationId: "dev-1").utf8))
        let done = try #require(try session.received().last?.publish)
        #expect(done.topicName == "$dps/registrations/res/200/?$rid=3")
        let result = try JSONText.decode(RegistrationOperationStatus.self, from: done.payload, what: "200")
        #expect(result.status == .assigned)
        #expect(result.registrationState?.assignedHub == "hub-1.azure-devices.net")
        #expect(result.registrationState?.deviceId == "dev-1")
    }

    @Test("QoS 0 requests get no PUBACK but are answered")
    func qosZero() throws {
        let session = try MQTTSession()
        try session.connect()
        try session.subscribe()
        _ = try session.received()
        try session.register(qos: .atMostOnce)
        let replies = try session.received()
        #expect(replies.count == 1)
        #expect(replies.first?.publish?.topicName.hasPrefix("$dps/registrations/res/202/") == true)
    }

    @Test("a wrong key is answered 401 / 401002 on the response topic (default mode)")
    func wrongKey() throws {
        let session = try MQTTSession()
        try session.connect(password: try ServiceFixture.token(key: "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhISE=", clock: VirtualClock()))
        try session.subscribe()
        _ = try session.received()
        try session.register()
        let reply = try #require(try session.received().last?.publish)
        #expect(reply.topicName == "$dps/registrations/res/401/?$rid=r1")
        let details = try JSONText.decode(ProvisioningServiceErrorDetails.self, from: reply.payload, what: "401")
        #expect(details.errorCode == 401002)
    }

    @Test("PINGREQ gets PINGRESP; DISCONNECT closes")
    func pingAndDisconnect() throws {
        let session = try MQTTSession()
        try session.connect()
        _ = try session.received()
        try session.send(.pingReq)
        #expect(try session.received() == [.pingResp])
        try session.send(.disconnect)
        #expect(!session.isActive)
    }

    @Test("the CONNECT password never reaches the transcript")
    func passwordRedacted() throws {
        let session = try MQTTSession()
        let token = try ServiceFixture.token(clock: session.clock)
        let signature = try #require(try SASToken(parsing: token).signature.split(separator: "=").first)
        try session.connect(password: token)
        let connect = try #require(session.transcript.snapshot.first { $0.mqttPacket?.kind == .connect })
        let everything = String(decoding: connect.raw, as: UTF8.self) + String(decoding: try JSONEncoder().encode(connect), as: UTF8.self)
        #expect(!everything.contains(String(signature)))
        #expect(String(decoding: connect.raw, as: UTF8.self).contains("REDACTED"))
    }

    @Test("a second CONNECT closes the connection")
    func secondConnect() throws {
        let session = try MQTTSession()
        try session.connect()
        _ = try session.received()
        try session.connect()
        #expect(!session.isActive)
    }
}
