import DPSCore
@testable import FakeDPS
import Foundation
import Testing

@Suite("Reprovisioning: substatus when a device is allocated elsewhere the second time")
struct ReprovisioningTests {
    func assign(_ service: ProvisioningService, clock: VirtualClock, region: String) throws -> DeviceRegistrationResult? {
        let attestation = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: try ServiceFixture.token(clock: clock)))
        let body = DeviceRegistration.wireText(registrationId: "dev-1", customPayloadJSON: #"{"region":"\#(region)"}"#)
        let accepted = service.handle(DeviceRequest(kind: .register, identity: ServiceFixture.identity(), body: Array(body.utf8)), attestation: attestation)
        let operation = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.body, what: "202").operationId
        clock.advance(by: .seconds(5))
        let done = service.handle(DeviceRequest(kind: .poll, identity: ServiceFixture.identity(), operationID: operation), attestation: attestation)
        return try JSONText.decode(RegistrationOperationStatus.self, from: done.body, what: "200").registrationState
    }

    @Test("migrate, reset or never: the documented substatus values", arguments: [
        (ReprovisionPolicy.reprovisionAndMigrateData, "hub-us", AssignmentSubstatus.deviceDataMigrated),
        (.reprovisionAndResetToInitialConfig, "hub-us", .deviceDataReset),
        (.neverReprovision, "hub-eu", .initialAssignment),
    ])
    func policies(policy: ReprovisionPolicy, hub: String, substatus: AssignmentSubstatus) throws {
        let clock = VirtualClock()
        let rule = CustomAllocationRule(field: ["region"], hubs: ["eu": "hub-eu", "us": "hub-us"])
        let configuration = ServiceFixture.configuration {
            $0.assigningPolls = 0
            $0.enrollments.individuals[0].allocation = .custom(rule)
            $0.enrollments.individuals[0].reprovision = policy
        }
        let service = ProvisioningService(configuration: configuration, clock: clock)
        let first = try #require(try assign(service, clock: clock, region: "eu"))
        #expect(first.assignedHub == "hub-eu")
        #expect(first.substatus == .initialAssignment)
        let second = try #require(try assign(service, clock: clock, region: "us"))
        #expect(second.assignedHub == hub)
        #expect(second.substatus == substatus)
    }

    @Test("the devices per hub follow a device that moves, and stay put when it does not")
    func loadFollowsMoves() throws {
        let clock = VirtualClock()
        let rule = CustomAllocationRule(field: ["region"], hubs: ["eu": "hub-eu", "us": "hub-us"])
        let configuration = ServiceFixture.configuration {
            $0.assigningPolls = 0
            $0.enrollments.individuals[0].allocation = .custom(rule)
        }
        let service = ProvisioningService(configuration: configuration, clock: clock)
        _ = try assign(service, clock: clock, region: "eu")
        #expect(service.devicesPerHub == ["hub-eu": 1])
        _ = try assign(service, clock: clock, region: "eu")
        #expect(service.devicesPerHub == ["hub-eu": 1])
        _ = try assign(service, clock: clock, region: "us")
        #expect(service.devicesPerHub == ["hub-us": 1])
    }

    @Test("evenly weighted allocation spreads devices by weight")
    func evenlyWeighted() {
        let policy = AllocationPolicy.evenlyWeighted(hubs: [WeightedHub(hub: "a", weight: 2), WeightedHub(hub: "b", weight: 1)])
        var load: [String: Int] = [:]
        for index in 0..<30 {
            guard case .hub(let hub, _) = policy.allocate(registrationID: "d\(index)", payload: nil, load: load) else {
                Issue.record("no hub")
                return
            }
            load[hub, default: 0] += 1
        }
        #expect(load == ["a": 20, "b": 10])
    }
}
