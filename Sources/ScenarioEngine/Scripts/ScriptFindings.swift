import DPSCore
import Verdicts

/// Turns the steps of a script run into one finding per requirement its expectations name:
/// the requirement fails when any of its expectations did not hold, or could not be evaluated
/// because its step, or an earlier one, could not run.
enum ScriptFindings {
    struct Evaluated {
        let requirement: RequirementID
        let held: Bool
        let expected: String
        let observed: String
        let events: Range<Int>
    }

    static func evaluate(_ results: [ScriptStepResult]) -> [Evaluated] {
        results.flatMap { result in
            result.step.expectations.map { expectation in
                let expected = result.step.label + ": " + text(of: expectation)
                switch result.run {
                case .answered(let answer):
                    let held = expectation.alternatives.contains { conditions in conditions.allSatisfy { $0.holds(for: answer) } }
                    return Evaluated(requirement: expectation.requirement, held: held, expected: expected,
                                     observed: result.step.label + ": " + answer.observed, events: result.events)
                case .couldNotRun(let reason):
                    return Evaluated(requirement: expectation.requirement, held: false, expected: expected,
                                     observed: "\(result.step.label) could not run: \(reason)", events: result.events)
                case .notRun(let reason):
                    return Evaluated(requirement: expectation.requirement, held: false, expected: expected,
                                     observed: "\(result.step.label) was not run: \(reason)", events: result.events)
                }
            }
        }
    }

    /// `a and b`, or `one of: (a and b) | (c)`.
    static func text(of expectation: StepExpectation) -> String {
        let alternatives = expectation.alternatives.map { $0.map(\.text).joined(separator: " and ") }
        return alternatives.count == 1 ? alternatives[0] : "one of: " + alternatives.map { "(\($0))" }.joined(separator: " | ")
    }

    /// One finding per requirement, in the order the script first names them; `evidence` maps
    /// transcript positions to sequence numbers.
    static func findings(_ results: [ScriptStepResult], evidence: (Range<Int>) -> [Int]) -> [(RequirementID, Finding)] {
        let evaluated = evaluate(results)
        var order: [RequirementID] = []
        for item in evaluated where !order.contains(item.requirement) { order.append(item.requirement) }
        return order.map { requirement in
            let items = evaluated.filter { $0.requirement == requirement }
            let failed = items.filter { !$0.held }
            let shown = failed.isEmpty ? items : failed
            let observed = shown.map(\.observed).joined(separator: "; ")
            let events = shown.flatMap { evidence($0.events) }
            let finding = failed.isEmpty ? Finding.pass(items.map(\.expected), observed, events) : Finding.fail(items.map(\.expected), observed, events)
            return (requirement, finding)
        }
    }

    /// A step that could not run while no expectation is left to say so: the case itself failed.
    static func unreported(_ results: [ScriptStepResult]) -> Verdict? {
        guard let index = results.firstIndex(where: { if case .couldNotRun = $0.run { return true } else { return false } }),
              results[index...].allSatisfy({ $0.step.expectations.isEmpty }),
              case .couldNotRun(let reason) = results[index].run else { return nil }
        return Verdict(requirement: .harness, outcome: .error, expected: ["every step of the script runs"],
                       observed: "\(results[index].step.label) could not run: \(reason)")
    }
}
