import DPSCore
import Inputs

extension RequirementCatalogue {
    /// Checks that every scenario cites known requirements that have a check.
    public func validate(_ scenarios: [Scenario]) throws {
        for scenario in scenarios {
            for id in scenario.checks {
                guard requirements[id] != nil else {
                    throw InputError(.unknownRequirement, file: scenario.source, field: "\(scenario.id).checks", "requirement '\(id)' is not in the catalogue")
                }
                guard CheckLibrary.check(for: id) != nil else {
                    throw InputError(.unknownRequirement, file: scenario.source, field: "\(scenario.id).checks", "requirement '\(id)' has no automated check")
                }
            }
        }
    }
}
