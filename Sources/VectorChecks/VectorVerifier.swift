import DPSCore
import Foundation
import Verdicts

/// Checks loaded vectors against the implementation (DPSCore for `dps`, DICE for `dice`):
/// every vector becomes one case, with one verdict per expected field and one per additional
/// check (round trips, recomputed inputs), ready for the Reporting module.
public struct VectorVerifier: Sendable {
    public init() {}

    /// Every requirement ID a vector verdict can cite (all listed in Scenarios/requirements.yaml).
    public static let requirementIDs: Set<RequirementID> = [
        .dpsMqttConn001, .dpsMqttConn002, .dpsMqttSub001, .dpsMqttReg002, .dpsMqttPoll003,
        .dpsFlowResult001, .dpsFlowRetry001, .dpsFlowRetry002, .dpsFlowRetry003, .dpsFlowReg001,
        .dpsFlowEtag001, .dpsAuthSas001, .dpsAuthSas002, .dpsAuthSas004, .dpsAuthDerive001,
        .diceCertBytes001,
    ]

    /// The case ID of a vector: `<area>/<id>`.
    public static func caseID(_ vector: TestVector, in file: VectorFile) -> String {
        file.area.rawValue + "/" + vector.id
    }

    /// Checks every vector of `files`, calling `onCase` after each (for console lines).
    public func run(_ files: [VectorFile], name: String = "dpsconform vectors",
                    onCase: (CaseResult) -> Void = { _ in }) -> RunResult {
        let started = Date()
        let wall = ContinuousClock.now
        var cases: [CaseResult] = []
        for file in files {
            for vector in file.vectors {
                let result = check(vector, in: file)
                onCase(result)
                cases.append(result)
            }
        }
        let elapsed = ContinuousClock.now - wall
        return RunResult(name: name, startedAt: started, wallSeconds: Self.seconds(elapsed), cases: cases,
                         properties: ["tool": "dpsconform vectors verify",
                                      "files": files.map(\.path).joined(separator: " "),
                                      "vectors": String(cases.count)])
    }

    /// Checks one vector.
    public func check(_ vector: TestVector, in file: VectorFile) -> CaseResult {
        let wall = ContinuousClock.now
        let observations: VectorObservations
        let fallback: RequirementID
        switch vector.plan {
        case .dps(let input):
            observations = DPSVectorCheck.observe(input, expected: vector.expected)
            fallback = DPSVectorKind(rawValue: vector.kind)?.primaryRequirement ?? .dpsFlowResult001
        case .dice(let input):
            observations = DiceVectorCheck.observe(input)
            fallback = DiceVectorCheck.requirement
        }
        var verdicts = vector.expected.map { field in
            FieldJudge.verdict(field, observations.fields[field.name], result: vector.result, fallbackRequirement: fallback)
        }
        verdicts += observations.checks.map { FieldJudge.verdict($0, result: vector.result) }
        var log = ["file: \(file.path)", "kind: \(vector.kind)", "result: \(vector.result.rawValue)", "source: \(vector.source)"]
        if !vector.tags.isEmpty { log.append("tags: " + vector.tags.joined(separator: ", ")) }
        if let note = vector.note { log.append("note: \(note)") }
        let stem = (URL(fileURLWithPath: file.path).lastPathComponent as NSString).deletingPathExtension
        return CaseResult(id: Self.caseID(vector, in: file), title: vector.description,
                          suite: "vectors/\(file.area.rawValue)/\(stem)", verdicts: verdicts,
                          wallSeconds: Self.seconds(ContinuousClock.now - wall), log: log)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
