import Foundation
import Testing
import TestSupport
@testable import MosquittoClient

/// Every failure must end with a typed error (or CONNACK code) within the caller's deadline,
/// never with a hang.
@Suite("MosquittoConnection failures", .timeLimit(.minutes(1)))
struct FailureTests {
    @Test("a wrong password yields CONNACK 5 (not authorised) and closes the session")
    func wrongPasswordIsRefused() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let wrongPassword = "not-" + broker.password
        let connection = try MosquittoConnection(
            configuration: broker.passwordConfiguration(clientID: "wrong-password", password: wrongPassword))

        let code = try await connection.connect(timeout: .seconds(10))
        #expect(code == .notAuthorized)
        #expect(code.rawValue == 5)

        guard case .closed(let cause?) = connection.state else {
            Issue.record("expected a closed session with a cause, got \(connection.state)")
            return
        }
        #expect(cause.code == .connectionRefused)
        #expect(cause.connackCode == .notAuthorized)
        #expect(!cause.description.contains(wrongPassword))
        #expect(mosquittoCode(try await ending(of: connection.messages)) == .connectionRefused)

        let publish = await #expect(throws: MosquittoError.self) {
            try await connection.publish(topic: "t", payload: [], qos: .atMostOnce, timeout: .seconds(1))
        }
        #expect(publish?.code == .notConnected)
        #expect(await connection.disconnect() == false)
    }

    @Test("a server certificate from an untrusted CA fails with .tls, not a hang")
    func untrustedCAFailsWithTLSError() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(
            configuration: broker.passwordConfiguration(clientID: "untrusted-ca", caFile: broker.certificates.untrustedCA))

        let start = ContinuousClock.now
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(20))
        }
        #expect(error?.code == .tls)
        #expect(ContinuousClock.now - start < .seconds(15), "well before the connect deadline")
        #expect(mosquittoCode(try await ending(of: connection.messages)) == .tls)
    }

    @Test("a server certificate for another host name fails with .tls; verifyHostname false accepts it")
    func hostnameVerification() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let checked = try MosquittoConnection(configuration: broker.passwordConfiguration(
            clientID: "name-checked", port: broker.mismatchedNamePort))
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await checked.connect(timeout: .seconds(20))
        }
        #expect(error?.code == .tls)

        // Same certificate, same trusted root: only the name differs, so turning the check off connects.
        let unchecked = try MosquittoConnection(configuration: broker.passwordConfiguration(
            clientID: "name-unchecked", port: broker.mismatchedNamePort, verifyHostname: false))
        #expect(try await unchecked.connect(timeout: .seconds(10)) == .accepted)
        #expect(await unchecked.disconnect())
    }

    @Test("the certificate listener refuses a client without a certificate")
    func missingClientCertificateIsRefused() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(
            configuration: broker.certificateConfiguration(clientID: "no-certificate", withCertificate: false))
        let start = ContinuousClock.now
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(20))
        }
        // With TLS 1.3 the broker rejects the missing certificate after the client's handshake is
        // done: the client reads either its alert (.tls) or, when the RST that follows discards the
        // alert, a reset (.connectionLost). Either way the refusal ends the wait, long before the deadline.
        #expect(error?.code == .tls || error?.code == .connectionLost)
        #expect(ContinuousClock.now - start < .seconds(15), "well before the connect deadline")
    }

    @Test("connecting to a closed port fails fast with .network")
    func closedPortFailsFast() async throws {
        let refusing = try LoopbackPort.Refusing()
        let configuration = MosquittoConfiguration(
            host: "127.0.0.1", port: UInt16(refusing.port), clientID: "closed-port", username: "u", password: "p", tls: nil)
        let connection = try MosquittoConnection(configuration: configuration)
        let start = ContinuousClock.now
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(30))
        }
        #expect(error?.code == .network)
        #expect(error?.libraryCode == 14)  // MOSQ_ERR_ERRNO (ECONNREFUSED)
        // Far below the deadline: the refusal ended the wait, not the timer (slack for loaded CI).
        #expect(ContinuousClock.now - start < .seconds(15), "well before the connect deadline")
        withExtendedLifetime(refusing) {}
    }

    @Test("a closed port fails fast over TLS too")
    func closedPortFailsFastWithTLS() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let refusing = try LoopbackPort.Refusing()
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "closed-tls", port: UInt16(refusing.port)))
        let start = ContinuousClock.now
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(30))
        }
        #expect(error?.code == .network)
        #expect(ContinuousClock.now - start < .seconds(15), "well before the connect deadline")
        withExtendedLifetime(refusing) {}
    }

    @Test("a QoS 1 publish to a paused (SIGSTOP) broker times out at its deadline naming PUBACK")
    func publishTimesOutWhileBrokerIsPaused() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "paused-publish"))
        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)

        broker.pause()
        let start = ContinuousClock.now
        let error = await #expect(throws: MosquittoError.self) {
            try await connection.publish(topic: "dpsconform/paused", payload: [7], qos: .atLeastOnce, timeout: .milliseconds(500))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.code == .timeout)
        #expect(error?.awaited == .puback)
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .seconds(10), "ended by its own deadline, not a later one")
        // A timed-out wait leaves the session to the caller.
        #expect(connection.state == .connected)

        // Cancelling a waiting task ends its wait at once with .cancelled.
        let waiting = Task {
            try await connection.publish(topic: "dpsconform/paused", payload: [8], qos: .atLeastOnce, timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(100))
        let cancelledAt = ContinuousClock.now
        waiting.cancel()
        let outcome = await waiting.result
        #expect(ContinuousClock.now - cancelledAt < .seconds(10))
        guard case .failure(let cancellation) = outcome else {
            Issue.record("publish to a paused broker succeeded")
            return
        }
        #expect(mosquittoCode(cancellation) == .cancelled)

        await connection.disconnect(timeout: .seconds(1))
        broker.resume()
        #expect(connection.state == .closed(nil))
    }

    @Test("connect to a paused broker times out naming CONNACK and releases everything")
    func connectTimesOutWhileBrokerIsPaused() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        broker.pause()
        weak var bridge: SessionBridge?
        do {
            let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "paused-connect"))
            bridge = connection.handle.bridge
            let start = ContinuousClock.now
            let error = await #expect(throws: MosquittoError.self) {
                _ = try await connection.connect(timeout: .milliseconds(500))
            }
            let elapsed = ContinuousClock.now - start
            #expect(error?.code == .timeout)
            #expect(error?.awaited == .connack)
            #expect(elapsed >= .milliseconds(500))
            #expect(elapsed < .seconds(10), "ended by its own deadline, not a later one")
            guard case .closed(let cause) = connection.state else {
                Issue.record("expected a closed session, got \(connection.state)")
                return
            }
            #expect(cause?.code == .timeout)
        }
        // The loop thread, stuck in the TLS handshake, is stopped; the C object and the box are freed.
        #expect(await eventually { bridge == nil })
        broker.resume()
    }

    @Test("losing the broker ends the message stream with .connectionLost")
    func connectionLossEndsTheStream() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let connection = try MosquittoConnection(configuration: broker.passwordConfiguration(clientID: "loss"))
        #expect(try await connection.connect(timeout: .seconds(10)) == .accepted)
        #expect(try await connection.subscribe(filter: "dpsconform/loss", qos: .atLeastOnce, timeout: .seconds(5)) == [1])

        broker.stop()
        let end = try await ending(of: connection.messages)
        #expect(mosquittoCode(end) == .connectionLost)
        guard case .closed(let cause) = connection.state else {
            Issue.record("expected a closed session, got \(connection.state)")
            return
        }
        #expect(cause?.code == .connectionLost)
        let publish = await #expect(throws: MosquittoError.self) {
            try await connection.publish(topic: "dpsconform/loss", payload: [], qos: .atLeastOnce, timeout: .seconds(1))
        }
        #expect(publish?.code == .notConnected)
        #expect(await connection.disconnect() == false)
    }
}
