import Foundation
import Testing
@testable import MosquittoClient

/// Traffic through a real Debian `mosquitto` broker over TLS; the broker's own log is the oracle
/// for what arrived on its side.
@Suite("MosquittoConnection round trips", .timeLimit(.minutes(1)))
struct RoundTripTests {
    @Test("connect, subscribe, publish at QoS 0 and QoS 1, receive both own messages")
    func roundTripAtQoS0AndQoS1() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let clientID = "roundtrip-client"
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: clientID))

        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        #expect(connection.state == .connected)
        // mosquitto logs MQTT 3.1.1 as "p2"; clean session, keepalive and user name as configured.
        #expect(await broker.waitForLog(containing: "as \(clientID) (p2, c1, k30, u'\(TestBroker.username)')"))

        let granted = try await connection.subscribe(filter: "dpsconform/roundtrip/#", qos: .atLeastOnce, timeout: .seconds(5))
        #expect(granted == [1])
        try await connection.publish(topic: "dpsconform/roundtrip/q0", payload: Array("zero".utf8),
                                     qos: .atMostOnce, timeout: .seconds(5))
        try await connection.publish(topic: "dpsconform/roundtrip/q1", payload: Array("one".utf8),
                                     qos: .atLeastOnce, timeout: .seconds(5))

        let received = try await receive(2, from: connection.messages)
        #expect(received == [
            MosquittoMessage(topic: "dpsconform/roundtrip/q0", payload: Array("zero".utf8), qos: .atMostOnce, retain: false),
            MosquittoMessage(topic: "dpsconform/roundtrip/q1", payload: Array("one".utf8), qos: .atLeastOnce, retain: false),
        ])
        #expect(await connection.disconnect())
    }

    @Test("a 64 KiB payload survives the round trip byte for byte")
    func largePayloadRoundTrip() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "large-payload"))
        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        #expect(try await connection.subscribe(filter: "dpsconform/large", qos: .atLeastOnce, timeout: .seconds(5)) == [1])

        let payload = patternedPayload(count: 64 * 1024)
        try await connection.publish(topic: "dpsconform/large", payload: payload, qos: .atLeastOnce, timeout: .seconds(10))

        let received = try await receive(1, from: connection.messages, within: .seconds(10))
        #expect(received.first?.payload.count == 65_536)
        #expect(received.first?.payload == payload)
        #expect(await connection.disconnect())
    }

    @Test("25 concurrent QoS 1 publishes each complete once and all arrive")
    func concurrentPublishes() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "concurrent"))
        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        #expect(try await connection.subscribe(filter: "dpsconform/concurrent/+", qos: .atLeastOnce, timeout: .seconds(5)) == [1])

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<25 {
                group.addTask {
                    try await connection.publish(topic: "dpsconform/concurrent/\(index)", payload: [UInt8(index)],
                                                 qos: .atLeastOnce, timeout: .seconds(10))
                }
            }
            try await group.waitForAll()
        }

        let received = try await receive(25, from: connection.messages, within: .seconds(10))
        let byTopic = Dictionary(received.map { ($0.topic, $0.payload) }, uniquingKeysWith: { first, _ in first })
        let expected = Dictionary(uniqueKeysWithValues: (0..<25).map { ("dpsconform/concurrent/\($0)", [UInt8($0)]) })
        #expect(received.count == 25)
        #expect(byTopic == expected)
        #expect(await connection.disconnect())
    }

    @Test("a device certificate chain authenticates on the require_certificate listener, keepalive 0")
    func clientCertificateConnects() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let clientID = "x509-device"
        let connection = try MosquittoConnection(configuration: broker.certificateConfiguration(clientID: clientID))

        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        // use_identity_as_username: the broker took the user name from the verified certificate's CN,
        // so the chain (leaf + intermediate) was presented; no clean session, keepalive off.
        #expect(await broker.waitForLog(containing: "as \(clientID) (p2, c0, k0, u'\(TestCertificates.deviceCommonName)')"))

        #expect(try await connection.subscribe(filter: "dpsconform/x509", qos: .atLeastOnce, timeout: .seconds(5)) == [1])
        try await connection.publish(topic: "dpsconform/x509", payload: [1, 2, 3], qos: .atLeastOnce, timeout: .seconds(5))
        let received = try await receive(1, from: connection.messages)
        #expect(received == [MosquittoMessage(topic: "dpsconform/x509", payload: [1, 2, 3], qos: .atLeastOnce, retain: false)])
        #expect(await connection.disconnect())
    }

    @Test("disconnect sends DISCONNECT, ends the message stream normally and the connection is spent")
    func disconnectIsClean() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let clientID = "clean-disconnect"
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: clientID))
        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        #expect(await broker.waitForLog(containing: "as \(clientID) "))

        #expect(await connection.disconnect())
        #expect(connection.state == .closed(nil))
        // mosquitto logs "disconnected." only for a DISCONNECT packet; a dropped socket reads
        // "closed its connection.".
        #expect(await broker.waitForLog(containing: "Client \(clientID) disconnected."))
        #expect(!broker.log.contains("Client \(clientID) closed its connection."))
        let end = try await ending(of: connection.messages)
        #expect(end == nil)

        #expect(await connection.disconnect() == false)
        let reuse = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(1))
        }
        #expect(reuse?.code == .invalidState)
    }

    @Test("dropping a used connection stops the loop thread and releases the callback box")
    func connectionReleasesItsBridge() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        weak var bridge: SessionBridge?
        do {
            let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "released"))
            bridge = connection.handle.bridge
            #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
            try await connection.publish(topic: "dpsconform/released", payload: [0], qos: .atLeastOnce, timeout: .seconds(5))
            #expect(await connection.disconnect())
        }
        #expect(await eventually { bridge == nil })

        // Without disconnect: deinit still stops the thread, destroys the client and releases the box.
        weak var abandoned: SessionBridge?
        do {
            let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "abandoned"))
            abandoned = connection.handle.bridge
            #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        }
        #expect(await eventually { abandoned == nil })
        #expect(await broker.waitForLog(containing: "Client abandoned disconnected."))
    }
}
