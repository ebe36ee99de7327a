import Foundation
import Inputs
@testable import ScenarioEngine
import Testing
import Verdicts

@Suite("Runner: the default suite against the built-in fake", .serialized)
struct RunnerTests {
    @Test("every default scenario passes, on virtual time")
    func defaultSuite() async throws {
        let directory = repositoryRoot.appendingPathComponent("Scenarios").path
        let catalogue = try RequirementCatalogue.load(path: directory + "/requirements.yaml")
        let scenarios = try ScenarioLoader.load(paths: [directory])
        try catalogue.validate(scenarios)
        let results = await ScenarioRunner(catalogue: catalogue).run(scenarios)
        #expect(results.count == scenarios.count)
        for result in results {
            #expect([.pass, .warn, .xfail].contains(result.outcome), "\(result.id): \(result.verdicts.filter { $0.outcome != .pass && $0.outcome != .skip })")
            #expect(!result.transcript.isEmpty)
        }
        let retry = try #require(results.first { $0.id == "symmetric-key/long-retry-after/mqtt" })
        #expect(retry.clockSeconds >= 120)
        #expect(retry.wallSeconds < 60, "a real clock would take at least 120 s")

        // Sixteen cases at once (what `run` does by default on two cores) give the same verdicts,
        // reported in the catalogue's order.
        var parallel = ScenarioRunner(catalogue: catalogue)
        parallel.jobs = 16
        let concurrent = await parallel.run(scenarios)
        #expect(concurrent.map(\.id) == results.map(\.id))
        for (one, other) in zip(results, concurrent) {
            let sequential = Dictionary(one.verdicts.map { ($0.requirement, $0.outcome) }, uniquingKeysWith: { first, _ in first })
            let atOnce = Dictionary(other.verdicts.map { ($0.requirement, $0.outcome) }, uniquingKeysWith: { first, _ in first })
            #expect(sequential == atOnce, "\(one.id)")
        }
    }

    @Test("a scenario expecting the wrong outcome fails with DPS-FLOW-RESULT-001 and the evidence")
    func wrongExpectationFails() async throws {
        let text = validScenario.replacingOccurrences(of: "outcome: assigned", with: "outcome: disabled")
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(text))
        let catalogue = try RequirementCatalogue.load(path: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml").path)
        let result = await ScenarioRunner(catalogue: catalogue).run(scenarios[0])
        #expect(result.outcome == .fail)
        let failing = try #require(result.verdicts.first { $0.outcome == .fail })
        #expect(failing.requirement == .dpsFlowResult001)
        #expect(failing.observed.contains("assigned"))
        #expect(failing.expected.first?.contains("disabled") == true)
    }

    @Test("an expected failure must show: a case whose xfail rule holds, or does not apply, fails")
    func expectedFailureMustShow() async throws {
        let catalogue = try RequirementCatalogue.load(path: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml").path)
        // The reference device keeps DPS-FLOW-RID-001 (holds) and meets no retry-after over 300 s
        // (DPS-FLOW-RETRY-003 does not apply).
        for (rule, words) in [("DPS-FLOW-RID-001", "but held"), ("DPS-FLOW-RETRY-003", "but not evaluated")] {
            let text = validScenario + "\n    checks: [DPS-FLOW-RESULT-001, \(rule)]\n    xfail: [\(rule)]"
            let scenarios = try ScenarioLoader.load(file: try temporaryFile(text))
            let result = await ScenarioRunner(catalogue: catalogue).run(scenarios[0])
            #expect(result.outcome == .fail, "\(rule)")
            let verdict = try #require(result.verdicts.first { $0.requirement.rawValue == rule })
            #expect(verdict.outcome == .fail)
            #expect(verdict.observed.contains(words), "\(verdict.observed)")
        }
    }
}
