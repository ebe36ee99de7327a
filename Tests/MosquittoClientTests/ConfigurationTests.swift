import Foundation
import Testing
@testable import MosquittoClient

/// Configuration checks and error mapping; no broker needed.
@Suite("MosquittoClient configuration and errors")
struct ConfigurationTests {
    private static func configuration(
        clientID: String = "device", username: String? = "user", password: String? = "pw",
        cleanSession: Bool = true, keepAlive: UInt16 = 60, tls: MosquittoConfiguration.TLS? = nil
    ) -> MosquittoConfiguration {
        MosquittoConfiguration(host: "localhost", port: 8883, clientID: clientID, username: username,
                               password: password, cleanSession: cleanSession, keepAliveSeconds: keepAlive, tls: tls)
    }

    @Test("unusable settings are refused with .invalidConfiguration", arguments: [
        configuration(keepAlive: 3),
        configuration(clientID: "", cleanSession: false),
        configuration(username: nil, password: "pw"),
        configuration(clientID: "a\u{0}b"),
        configuration(tls: .init(caFile: "/nonexistent/dpsconform-ca.pem")),
        configuration(tls: .init(caFile: "/etc/hostname", certificateFile: "/etc/hostname")),
        configuration(tls: .init(caFile: "/etc/hostname", keyFile: "/etc/hostname")),
    ])
    func refusesUnusableConfiguration(_ configuration: MosquittoConfiguration) {
        let error = #expect(throws: MosquittoError.self) {
            _ = try MosquittoConnection(configuration: configuration)
        }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test("keepalive 0 and an empty client ID with clean session are accepted")
    func acceptsEdgeValues() throws {
        _ = try MosquittoConnection(configuration: Self.configuration(clientID: "", keepAlive: 0))
        _ = try MosquittoConnection(configuration: Self.configuration(keepAlive: 5))
    }

    @Test("the password never appears in the configuration's description")
    func redactsPassword() {
        let secret = "SharedAccessSignature sr=scope&sig=c2VjcmV0"
        let configuration = Self.configuration(password: secret)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            #expect(!text.contains("c2VjcmV0"))
        }
        #expect(dumped.contains("localhost"))
    }

    @Test("operations before connect fail with .notConnected")
    func operationsNeedAConnection() async throws {
        let connection = try MosquittoConnection(configuration: Self.configuration())
        #expect(connection.state == .idle)
        let publish = await #expect(throws: MosquittoError.self) {
            try await connection.publish(topic: "t", payload: [1], qos: .atLeastOnce, timeout: .seconds(1))
        }
        #expect(publish?.code == .notConnected)
        let subscribe = await #expect(throws: MosquittoError.self) {
            _ = try await connection.subscribe(filter: "t/#", qos: .atLeastOnce, timeout: .seconds(1))
        }
        #expect(subscribe?.code == .notConnected)
        #expect(await connection.disconnect() == false)
        #expect(connection.state == .closed(nil))
    }

    /// Known answers: MOSQ_ERR_* numbers as listed in mosquitto.h 2.0.11.
    @Test("libmosquitto return codes map to stable codes", arguments: [
        (Int32(1), MosquittoError.Code.library),      // NOMEM
        (2, .protocolViolation),                      // PROTOCOL
        (3, .invalidArgument),                        // INVAL
        (4, .notConnected),                           // NO_CONN
        (5, .connectionRefused),                      // CONN_REFUSED
        (7, .connectionLost),                         // CONN_LOST
        (8, .tls),                                    // TLS
        (9, .payloadTooLarge),                        // PAYLOAD_SIZE
        (14, .network),                               // ERRNO
        (15, .nameResolution),                        // EAI
        (18, .invalidArgument),                       // MALFORMED_UTF8
        (19, .connectionLost),                        // KEEPALIVE
    ])
    func mapsLibraryCodes(_ rc: Int32, _ expected: MosquittoError.Code) {
        let error = MosquittoError.library(rc, systemError: ECONNREFUSED, context: "test")
        #expect(error.code == expected)
        #expect(error.libraryCode == rc)
    }

    @Test("an OpenSSL line in libmosquitto's log marks a socket error as TLS")
    func openSSLLogMeansTLS() {
        let error = MosquittoError.library(14, systemError: EPROTO, context: "read",
                                           libraryLog: ["OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed"])
        #expect(error.code == .tls)
    }

    @Test("CONNACK return codes keep their MQTT 3.1.1 values")
    func connackValues() {
        #expect(ConnackReturnCode.accepted.rawValue == 0)
        #expect(ConnackReturnCode.unacceptableProtocolVersion.rawValue == 1)
        #expect(ConnackReturnCode.identifierRejected.rawValue == 2)
        #expect(ConnackReturnCode.serverUnavailable.rawValue == 3)
        #expect(ConnackReturnCode.badUsernameOrPassword.rawValue == 4)
        #expect(ConnackReturnCode.notAuthorized.rawValue == 5)
        #expect(ConnackReturnCode(rawValue: 0).isAccepted)
        #expect(!ConnackReturnCode(rawValue: 5).isAccepted)
    }
}
