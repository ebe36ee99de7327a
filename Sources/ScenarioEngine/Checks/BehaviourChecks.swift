import DPSCore

/// The device's behaviour against a reference recording (`replay:`, `run --compare-with`): one
/// check per kind of difference `BehaviourComparison` finds.
enum BehaviourChecks {
    static let all: [any ConformanceCheck] = [
        check(.dpsBehavSeq001, expected: "the recorded requests, in the recorded order"),
        check(.dpsBehavField001, expected: "each request's recorded topic or route and body fields"),
        check(.dpsBehavTime001, expected: "no request earlier than the recorded retry-after allowed"),
    ]

    private static func check(_ requirement: RequirementID, expected: String) -> TranscriptCheck {
        TranscriptCheck(requirement) { context in
            guard let reference = context.reference else {
                return .skip("no reference recording to compare with (replay: in the scenario, or run --compare-with DIR)")
            }
            let comparison = BehaviourComparison.compare(reference: reference, device: context.view.events, tolerance: context.timingTolerance)
            if let finding = comparison.findings.first(where: { $0.requirement == requirement }) {
                return .fail([finding.expected], finding.observed, finding.evidence)
            }
            let requests = comparison.device.filter { $0.side == .request }
            return .pass([expected], "\(requests.count) request(s) as recorded", requests.map(\.sequence))
        }
    }
}
