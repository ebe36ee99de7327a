import DPSCore

/// How a run covered the requirement catalogue: which requirements some case evaluated (a
/// verdict other than skip or error) and which some case showed failing (an expected failure,
/// xfail, that did fail). Read from the case results, the same data the reports hold.
public struct RequirementCoverage: Sendable, Hashable {
    public let catalogued: [RequirementID]
    public let evaluated: Set<RequirementID>
    public let shownFailing: Set<RequirementID>

    public init(catalogued: [RequirementID], cases: [CaseResult]) {
        self.catalogued = catalogued
        var evaluated: Set<RequirementID> = []
        var shownFailing: Set<RequirementID> = []
        for verdict in cases.flatMap(\.verdicts) {
            switch verdict.outcome {
            case .pass, .fail, .warn: evaluated.insert(verdict.requirement)
            case .xfail:
                evaluated.insert(verdict.requirement)
                shownFailing.insert(verdict.requirement)
            case .skip, .error: continue
            }
        }
        self.evaluated = evaluated
        self.shownFailing = shownFailing
    }

    /// Catalogued requirements no case evaluated.
    public var notEvaluated: [RequirementID] { catalogued.filter { !evaluated.contains($0) } }
    /// Catalogued requirements no case showed failing.
    public var notShownFailing: [RequirementID] { catalogued.filter { !shownFailing.contains($0) } }
}
