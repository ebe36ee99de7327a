import FakeDPS
@testable import Fleet
import Testing

@Suite("Failures are counted by kind, each device once, and never stop the others")
struct FleetErrorKindTests {
    static let cases: [(FleetTransport, FaultRule, FleetErrorKind)] = [
        (.mqtt, FaultRule(on: .connect, action: .refuseConnection(returnCode: 5)), .connackRefused),
        (.mqtt, FaultRule(on: .register, action: .noResponse), .timeout),
        (.https, FaultRule(on: .register, action: .noResponse), .timeout),
        (.mqtt, FaultRule(on: .register, action: .respond(status: 429, retryAfter: "1", errorCode: nil, body: nil)), .status5xxOr429),
        (.https, FaultRule(on: .poll, action: .respond(status: 503, retryAfter: nil, errorCode: nil, body: nil)), .status5xxOr429),
        (.https, FaultRule(on: .register, action: .respond(status: 400, retryAfter: nil, errorCode: nil, body: nil)), .status4xx),
        (.mqtt, FaultRule(on: .poll, action: .modify(ResponseModification(body: "not json"))), .protocolError),
        (.https, FaultRule(on: .register, action: .modify(ResponseModification(retryAfter: "1.5"))), .protocolError),
        (.mqtt, FaultRule(on: .register, action: .dropConnection(afterAcknowledging: false)), .connectionClosed),
    ]

    @Test("a fault on the fake's side is counted as its kind", arguments: cases)
    func kind(transport: FleetTransport, fault: FaultRule, expected: FleetErrorKind) async throws {
        let fixture = try await FleetFixture.start(transport: transport, faults: [fault])
        var settings = fixture.settings(transport, devices: 3, concurrency: 3)
        settings.waitLimit = .milliseconds(300)
        let result = try await FleetRunner(settings: settings).run()
        await fixture.server.stop()
        #expect(result.tally.errors == [expected: 3], "\(result.tally.examples)")
        #expect(result.tally.provisioned == 0 && result.tally.failed == 3)
        #expect(result.tally.examples[expected] != nil)
    }

    @Test("only the faulted device fails; the others are assigned")
    func oneDevice() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt, faults: [
            FaultRule(on: .register, registrationID: "test-000002", action: .respond(status: 401, retryAfter: nil, errorCode: 401002, body: nil))])
        let result = try await FleetRunner(settings: fixture.settings(.mqtt, devices: 5, concurrency: 2)).run()
        await fixture.server.stop()
        #expect(result.tally.provisioned == 4)
        #expect(result.tally.errors == [.status4xx: 1])
    }
}
