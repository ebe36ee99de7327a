import FakeDPS
import Foundation
import Inputs
import Testing

@Suite("Enrollment files (Inputs)")
struct EnrollmentFileTests {
    @Test("a symmetric-key enrollment file loads")
    func loads() throws {
        let path = try temporaryInput("""
            individual:
              - registrationId: sensor-001
                symmetricKey: {primaryKey: c2VjcmV0LWtleS0wMDE=}
            groups:
              - groupId: fleet
                symmetricKey: {primaryKey: Z3JvdXAta2V5}
            """)
        let set = try EnrollmentFile.load(path: path)
        #expect(set.individuals.map(\.registrationID) == ["sensor-001"])
        #expect(set.groups.map(\.groupID) == ["fleet"])
    }

    @Test("an unknown field names the file, line and field")
    func unknownField() throws {
        let path = try temporaryInput("individual:\n  - registrationId: a\n    symetricKey: {primaryKey: AAAA}\n")
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.code == .unknownField)
        #expect(error.file == path)
        #expect(error.line == 3)
    }
}
