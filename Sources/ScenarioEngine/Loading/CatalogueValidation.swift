import DPSCore
import Inputs

extension RequirementCatalogue {
    /// Checks that every scenario cites known requirements that have a check. The error points at
    /// the `checks:` entry naming the requirement (or at the scenario, for checks it did not list).
    public func validate(_ scenarios: [Scenario]) throws {
        for scenario in scenarios {
            for expectation in scenario.script?.steps.flatMap(\.expectations) ?? [] where requirements[expectation.requirement] == nil {
                let site = expectation.site ?? scenario.site ?? SourceSite(file: scenario.source, field: "\(scenario.id).script")
                throw site.error(.unknownRequirement, "requirement '\(expectation.requirement)' (an expectation of scenario \(scenario.id)'s script) "
                                 + "is not in the catalogue")
            }
            for id in scenario.checks {
                let site = scenario.checkSites[id] ?? scenario.site ?? SourceSite(file: scenario.source, field: "\(scenario.id).checks")
                guard requirements[id] != nil else {
                    throw site.error(.unknownRequirement, "requirement '\(id)' (scenario \(scenario.id)) is not in the catalogue")
                }
                guard CheckLibrary.check(for: id) != nil else {
                    throw site.error(.unknownRequirement, "requirement '\(id)' (scenario \(scenario.id)) has no automated check")
                }
            }
        }
    }
}
