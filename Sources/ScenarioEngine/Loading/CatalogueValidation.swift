import DPSCore
import Inputs

extension RequirementCatalogue {
    /// Checks that every scenario cites known requirements that have a check. The error points at
    /// the `checks:` entry naming the requirement (or at the scenario, for checks it did not list).
    public func validate(_ scenarios: [Scenario]) throws {
        for scenario in scenarios {
            for id in (scenario.script?.requirements ?? []).sorted() where requirements[id] == nil {
                let site = scenario.site ?? SourceSite(file: scenario.source, field: "\(scenario.id).script")
                throw site.error(.unknownRequirement, "requirement '\(id)' (an expectation of scenario \(scenario.id)'s script) is not in the catalogue")
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
