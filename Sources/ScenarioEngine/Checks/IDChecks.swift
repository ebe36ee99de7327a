import DPSCore
import Foundation

/// Registration-ID rules (Microsoft Learn concepts-service, Registration ID; DPS OpenAPI
/// description): the IDs the device used on the wire, under DPSCore's validator.
enum IDChecks {
    static let all: [any ConformanceCheck] = [idRule(.dpsId001, policy: .documented, "1 to 128 characters"),
                                              idRule(.dpsId002, policy: .documented, "only alphanumerics and - . _ :"),
                                              idRule(.dpsId003, policy: .documented, "ends with an alphanumeric character or '-'"),
                                              idRule(.dpsId004, policy: .spec, "starts and ends with an alphanumeric character")]

    static func idRule(_ requirement: RequirementID, policy: RegistrationIDPolicy, _ statement: String) -> TranscriptCheck {
        TranscriptCheck(requirement) { context in
            let used = context.view.registrationIDsUsed
            guard !used.isEmpty else { return .skip("the device named no registration ID on the wire") }
            let expected = ["a registration ID with \(statement)"]
            for (event, id) in used {
                do {
                    try policy.validate(id)
                } catch let error as DPSCoreError where error.requirement == requirement {
                    return .fail(expected, "'\(id)': \(error.reason)", [event.sequence])
                } catch {
                    continue
                }
            }
            return .pass(expected, "'\(used[0].id)'", used.map(\.event.sequence))
        }
    }
}
