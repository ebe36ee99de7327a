@testable import FakeDPS
import Testing

@Suite("Enrollment lookup: indexed, case-insensitive, in step with changes")
struct EnrollmentIndexTests {
    static func enrollment(_ id: String, deviceID: String? = nil) -> IndividualEnrollment {
        IndividualEnrollment(registrationID: id, attestation: .symmetricKey(primaryKey: "a2V5", secondaryKey: nil), deviceID: deviceID,
                             allocation: .static(hub: "hub.azure-devices.net"))
    }

    @Test("the last of 100,000 enrollments is found, whatever the case of its ID")
    func large() {
        let set = EnrollmentSet(individuals: (0..<100_000).map { Self.enrollment("Device-\($0)") })
        #expect(set.individual(for: "device-99999")?.registrationID == "Device-99999")
        #expect(set.individual(for: "DEVICE-0")?.registrationID == "Device-0")
        #expect(set.individual(for: "device-100000") == nil)
    }

    @Test("the first of two enrollments with the same ID wins, as a scan in file order finds it")
    func firstWins() {
        let set = EnrollmentSet(individuals: [Self.enrollment("dup", deviceID: "first"), Self.enrollment("DUP", deviceID: "second")])
        #expect(set.individual(for: "dup")?.deviceID == "first")
    }

    @Test("changing the enrollments after the set was made changes what is found")
    func inStep() {
        var set = EnrollmentSet(individuals: [Self.enrollment("one")])
        set.individuals.append(Self.enrollment("two"))
        #expect(set.individual(for: "two")?.registrationID == "two")
        set.individuals.removeAll { $0.registrationID == "one" }
        #expect(set.individual(for: "one") == nil)
        #expect(set.individual(for: "two")?.registrationID == "two")
        #expect(set == EnrollmentSet(individuals: [Self.enrollment("two")]))
    }
}
