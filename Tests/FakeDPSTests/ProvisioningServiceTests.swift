import DPSCore
@testable import FakeDPS
import Foundation
import Testing

@Suite("Provisioning service: attestation, operations, allocation")
struct ProvisioningServiceTests {
    func make(_ adjust: (inout ServiceConfiguration) -> Void = { _ in }) -> (ProvisioningService, VirtualClock) {
        let clock = VirtualClock()
        return (ProvisioningService(configuration: ServiceFixture.configuration(adjust), clock: clock), clock)
    }

    func register(_ service: ProvisioningService, clock: VirtualClock, id: String = "dev-1") throws -> ServiceResponse {
        let attestation = service.attest(ServiceFixture.identity(id), credentials: DeviceCredentials(sasToken: try ServiceFixture.token(for: id, clock: clock)))
        return service.handle(DeviceRequest(kind: .register, identity: ServiceFixture.identity(id), body: Array(DeviceRegistration.wireText(registrationId: id).utf8)),
                              attestation: attestation)
    }

    func poll(_ service: ProvisioningService, clock: VirtualClock, operation: String?, id: String = "dev-1") throws -> ServiceResponse {
        let attestation = service.attest(ServiceFixture.identity(id), credentials: DeviceCredentials(sasToken: try ServiceFixture.token(for: id, clock: clock)))
        return service.handle(DeviceRequest(kind: .poll, identity: ServiceFixture.identity(id), operationID: operation), attestation: attestation)
    }

    func errorCode(_ response: ServiceResponse) throws -> Int? {
        try JSONText.decode(ProvisioningServiceErrorDetails.self, from: response.body, what: "error").errorCode
    }

    @Test("readiness follows the virtual clock when an operation stays assigning for a time")
    func assigningTime() throws {
        let (service, clock) = make { $0.assigningPolls = 0; $0.assigningTime = .seconds(30) }
        let accepted = try register(service, clock: clock)
        #expect(accepted.status == 202)
        let operation = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.body, what: "202").operationId
        #expect(try poll(service, clock: clock, operation: operation).status == 202)
        clock.advance(by: .seconds(29))
        #expect(try poll(service, clock: clock, operation: operation).status == 202)
        clock.advance(by: .seconds(1))
        let done = try poll(service, clock: clock, operation: operation)
        #expect(done.status == 200)
        // A finished operation answers the same way again.
        let again = try poll(service, clock: clock, operation: operation)
        #expect(again.body == done.body, "\(String(decoding: again.body, as: UTF8.self)) vs \(String(decoding: done.body, as: UTF8.self))")
    }

    @Test("an unknown operation is 404 / 404202")
    func unknownOperation() throws {
        let (service, clock) = make()
        let response = try poll(service, clock: clock, operation: "4.0000000000000000.00000000-0000-0000-0000-000000000000")
        #expect(response.status == 404)
        #expect(try errorCode(response) == 404202)
    }

    @Test("a disabled enrollment ends at once with status disabled and an empty operationId")
    func disabled() throws {
        let (service, clock) = make()
        let response = try register(service, clock: clock, id: "dev-off")
        #expect(response.status == 200)
        let status = try JSONText.decode(RegistrationOperationStatus.self, from: response.body, what: "200")
        #expect(status.status == .disabled)
        #expect(status.operationId == "")
    }

    @Test("no linked hub ends failed with 400208")
    func noHub() throws {
        let (service, clock) = make { $0.assigningPolls = 0 }
        let accepted = try register(service, clock: clock, id: "dev-nohub")
        let operation = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.body, what: "202").operationId
        let done = try poll(service, clock: clock, operation: operation, id: "dev-nohub")
        let state = try JSONText.decode(RegistrationOperationStatus.self, from: done.body, what: "200").registrationState
        #expect(state?.status == .failed)
        #expect(state?.errorCode == 400208)
    }

    @Test("an expired token is refused with 401002 once the clock passes expiry plus skew")
    func expiredToken() throws {
        let (service, clock) = make()
        let token = try ServiceFixture.token(clock: clock, lifetime: 60)
        clock.advance(by: .seconds(60 + 299))
        guard case .verified = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: token)) else {
            Issue.record("token within the skew was refused")
            return
        }
        clock.advance(by: .seconds(2))
        guard case .refused(let response, _, _) = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: token)) else {
            Issue.record("expired token was accepted")
            return
        }
        #expect(try errorCode(response) == 401002)
    }

    @Test("unknown device and unknown ID scope are 404 / 404201; no token is 401")
    func refusals() throws {
        let (service, clock) = make()
        for identity in [ServiceFixture.identity("nobody"), DeviceIdentity(idScope: "0ne99999999", registrationID: "dev-1", apiVersion: "2019-03-31")] {
            guard case .refused(let response, _, _) = service.attest(identity, credentials: DeviceCredentials(sasToken: try ServiceFixture.token(clock: clock))) else {
                Issue.record("\(identity) was accepted")
                continue
            }
            #expect(try errorCode(response) == 404201)
        }
        guard case .refused(let response, _, _) = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: nil)) else {
            Issue.record("no token was accepted")
            return
        }
        #expect(response.status == 401)
    }

    @Test("an invalid registration ID is 400 / 400004")
    func invalidRegistrationID() throws {
        let (service, _) = make()
        let identity = ServiceFixture.identity("bad id!")
        let response = service.handle(DeviceRequest(kind: .register, identity: identity, body: []),
                                      attestation: .refused(ServiceResponse(status: 401, body: []), reason: "n/a"))
        #expect(response.status == 400)
        #expect(try errorCode(response) == 400004)
    }

    @Test("hashed allocation is stable and uses every hub")
    func hashedAllocation() {
        let policy = AllocationPolicy.hashed(hubs: ["a", "b", "c"])
        let ids = (0..<300).map { "device-\($0)" }
        let first = ids.map { policy.hub(for: $0) }
        #expect(first == ids.map { policy.hub(for: $0) })
        #expect(Set(first.compactMap { $0 }) == ["a", "b", "c"])
        #expect(policy.hub(for: "Device-1") == policy.hub(for: "device-1"))
    }

    @Test("status lookup returns the registration result after assignment")
    func statusLookup() throws {
        let (service, clock) = make { $0.assigningPolls = 0 }
        let accepted = try register(service, clock: clock)
        let operation = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.body, what: "202").operationId
        _ = try poll(service, clock: clock, operation: operation)
        let attestation = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: try ServiceFixture.token(clock: clock)))
        let lookup = service.handle(DeviceRequest(kind: .statusLookup, identity: ServiceFixture.identity(), body: Array("{}".utf8)), attestation: attestation)
        #expect(lookup.status == 200)
        let result = try JSONText.decode(DeviceRegistrationResult.self, from: lookup.body, what: "lookup")
        #expect(result.status == .assigned)
        #expect(result.assignedHub == "hub-1.azure-devices.net")
    }
}

@Suite("Status lookup")
struct StatusLookupTests {
    @Test("a disabled device's status lookup reports status disabled, not 404")
    func disabledLookup() throws {
        let clock = VirtualClock()
        let service = ProvisioningService(configuration: ServiceFixture.configuration(), clock: clock)
        let identity = ServiceFixture.identity("dev-off")
        let attestation = service.attest(identity, credentials: DeviceCredentials(sasToken: try ServiceFixture.token(for: "dev-off", clock: clock)))
        _ = service.handle(DeviceRequest(kind: .register, identity: identity, body: Array(DeviceRegistration.wireText(registrationId: "dev-off").utf8)),
                           attestation: attestation)
        let lookup = service.handle(DeviceRequest(kind: .statusLookup, identity: identity, body: Array("{}".utf8)), attestation: attestation)
        #expect(lookup.status == 200)
        #expect(try JSONText.decode(DeviceRegistrationResult.self, from: lookup.body, what: "lookup").status == .disabled)
    }
}
