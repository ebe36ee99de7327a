import DPSCore
import Device
import FakeDPS
import Foundation
import Testing
import TestSupport

/// The HTTPS transport on its own against the fake's HTTPS front end (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
@Suite("HTTPS transport against the fake", .serialized)
struct HTTPSTransportTests {
    func credentials(_ fixture: FakeFixture, expiry: Int64) throws -> TransportCredentials {
        let username = MQTTUsername(idScope: "0ne00TEST01", registrationID: "device-01")
        let token = try SASToken.create(resource: "0ne00TEST01%2Fregistrations%2Fdevice-01", keyBase64: FakeFixture.key, expiry: expiry, keyName: "registration")
        return TransportCredentials(username: username, sasToken: token.text)
    }

    @Test("PUT register, GET operation status, POST status lookup; Retry-After becomes retryAfter; SAS in Authorization")
    func routes() async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let port = try #require(fixture.server.httpsPort)
        let transport = HTTPSDeviceTransport(host: "127.0.0.1", port: port, caFile: fixture.caFile)
        let expiry = Int64(fixture.clock.now().timeIntervalSince1970) + 3600
        try await transport.open(credentials: try credentials(fixture, expiry: expiry), timeout: .seconds(5))
        let register = try await transport.exchange(OutgoingRequest(kind: .register, requestID: "r1", body: Array(#"{"registrationId":"device-01"}"#.utf8)),
                                                    timeout: .seconds(5))
        #expect(register.status == 202)
        #expect(register.retryAfter == "3")
        let operation = try #require(try ProvisioningResponse(status: register.status, retryAfterText: register.retryAfter, body: register.body).operationID)
        var poll = try await transport.exchange(OutgoingRequest(kind: .poll, requestID: "r2", operationID: operation), timeout: .seconds(5))
        #expect(poll.status == 202)
        fixture.clock.advance(by: .seconds(3))
        poll = try await transport.exchange(OutgoingRequest(kind: .poll, requestID: "r3", operationID: operation), timeout: .seconds(5))
        #expect(poll.status == 200)
        let lookup = try await transport.exchange(OutgoingRequest(kind: .statusLookup, requestID: "r4", body: Array(#"{"registrationId":"device-01"}"#.utf8)),
                                                  timeout: .seconds(5))
        #expect(lookup.status == 200)
        let result = try JSONText.decode(DeviceRegistrationResult.self, from: lookup.body, what: "lookup")
        #expect(result.assignedHub == "hub-a.azure-devices.net")
        await transport.close()

        let requests = await fixture.settledEvents().filter { $0.transport == .https && $0.direction == .toService }
        let messages = requests.compactMap(\.httpRequest)
        #expect(messages.map(\.method) == ["PUT", "GET", "GET", "POST"])
        #expect(messages.first?.target == "/0ne00TEST01/registrations/device-01/register?api-version=2019-03-31")
        #expect(messages[1].target == "/0ne00TEST01/registrations/device-01/operations/\(operation)?api-version=2019-03-31")
        #expect(messages.last?.target == "/0ne00TEST01/registrations/device-01?api-version=2019-03-31")
        #expect(messages.map(\.route?.operation) == [.register, .operationStatus(operationID: operation), .operationStatus(operationID: operation), .statusLookup])
        #expect(messages.allSatisfy { $0.headers.contains { $0.name.lowercased() == "authorization" && $0.value.hasPrefix("SharedAccessSignature ") } })
    }

    @Test("an untrusted server certificate is a connection failure, not an answer")
    func untrustedServer() async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let port = try #require(fixture.server.httpsPort)
        let other = try await FakeFixture.start()
        defer { Task { await other.stop() } }
        // The other fake's CA did not sign this fake's server certificate.
        let transport = HTTPSDeviceTransport(host: "127.0.0.1", port: port, caFile: other.caFile)
        try await transport.open(credentials: try credentials(fixture, expiry: 4_000_000_000), timeout: .seconds(5))
        await #expect(throws: TransportError.self) {
            _ = try await transport.exchange(OutgoingRequest(kind: .register, requestID: "r1", body: []), timeout: .seconds(5))
        }
        await transport.close()
        var settings = fixture.settings()
        settings.endpoint.caFile = other.caFile
        let outcome = await fixture.client(settings, transport: .https).provision()
        #expect(outcome.status == .connectionFailed)
        #expect(outcome.requests == 1)
    }

    @Test("nothing listening: a connection failure on the first request")
    func nothingListening() async throws {
        let fixture = try await FakeFixture.start()
        // A port held closed, not the stopped fake's: a test running alongside may take that one.
        let refusing = try LoopbackPort.Refusing()
        var settings = fixture.settings()
        settings.endpoint.httpsPort = refusing.port
        await fixture.stop()
        let outcome = await fixture.client(settings, transport: .https).provision()
        withExtendedLifetime(refusing) {}
        #expect(outcome.status == .connectionFailed)
    }
}
