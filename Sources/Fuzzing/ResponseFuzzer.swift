import DPSCore
import Foundation
import Inputs
import ScenarioEngine
import Verdicts

/// `dpsconform fuzz responses`: the fake answers a device (the reference client, a mutant, or a
/// `--device-command`) with mutated responses. Oracle: the device neither hangs nor crashes past
/// its deadline (DPS-FLOW-DEADLINE-001; a case that overruns the runner's limit), and never reports
/// `assigned` unless a 200 response assigned it, to the hub it reports (DPS-FLOW-RESULT-001).
public struct ResponseFuzzer: Sendable {
    public let settings: FuzzSettings
    let runner: ScenarioRunner
    /// The device's overall deadline in each case (clock time: virtual for the in-process device).
    let deadlineSeconds: Int
    static let registrationID = "fuzz-response-device"
    static let checks: [RequirementID] = [.dpsFlowResult001, .dpsFlowDeadline001]

    public init(settings: FuzzSettings, catalogue: RequirementCatalogue, device: DeviceUnderTest = .reference, deadlineSeconds: Int = 60) {
        self.settings = settings
        var runner = ScenarioRunner(catalogue: catalogue, caseTimeout: .seconds(deadlineSeconds + 30))
        runner.device = device
        self.runner = runner
        self.deadlineSeconds = deadlineSeconds
    }

    public func fuzzCase(_ index: Int) -> ResponseCase {
        ResponseCase.make(seed: settings.seed, index: index, transports: settings.transports)
    }

    /// The case as a scenario file: it is its own reproducer.
    public func scenarioYAML(_ fuzzCase: ResponseCase) -> String {
        let key = ReproducerScenario.quoted(FuzzServiceSetup.groupKey)
        var lines = [
            "# dpsconform fuzz responses --seed \(settings.seed), case \(fuzzCase.index): the fake answers with mutated responses.",
            "suite: fuzz-responses",
            "description: The fake answers the device with mutated responses; the device must end within its deadline and report only what it was told.",
            "scenarios:",
            "  - id: fuzz/responses/seed-\(settings.seed)-case-\(fuzzCase.index)",
            "    title: \(ReproducerScenario.quoted("Mutated responses, case \(fuzzCase.index) over \(fuzzCase.transport.rawValue)"))",
            "    matrix: {transport: [\(fuzzCase.transport.rawValue)]}",
            "    service: {idScope: \(FuzzServiceSetup.idScope)}",
            "    enrollments:",
            "      individual: [{registrationId: \(Self.registrationID), symmetricKey: {primaryKey: \(key)}, iotHub: hub-fuzz.azure-devices.net}]",
            "    faults:",
        ]
        lines += fuzzCase.rules.map { "      - " + $0 }
        lines += [
            "    device: {registrationId: \(Self.registrationID), profile: \(ReproducerScenario.quoted(settings.device)), key: primary, deadlineSeconds: \(deadlineSeconds)}",
            "    expect: {outcome: [assigned, failed, disabled, unassigned, rejected, timedOut, connectionFailed, protocolError, abandoned]}",
            "    checks: [DPS-FLOW-RESULT-001, DPS-FLOW-DEADLINE-001]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    public func run(workDirectory: URL, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> FuzzTargetOutcome {
        let started = ContinuousClock.now
        var outcome = FuzzTargetOutcome(target: .responses, seed: settings.seed, casesRun: 0, wallSeconds: 0, casesByTransport: [:],
                                        presentedWithoutTLS: 0, violations: [], harnessErrors: [])
        var index = 0
        while settings.budget.allows(next: index, started: started) {
            let fuzzCase = fuzzCase(index)
            let yaml = scenarioYAML(fuzzCase)
            outcome.casesRun += 1
            outcome.casesByTransport[fuzzCase.transport, default: 0] += 1
            do {
                let findings = try await evaluate(yaml, in: workDirectory, index: index)
                for finding in findings {
                    outcome.violations.append(FuzzViolation(target: .responses, caseName: "responses/\(index)", requirement: finding.requirement,
                                                            expected: finding.expected, observed: finding.observed,
                                                            reproducer: "# Observed: \(finding.observed.replacingOccurrences(of: "\n", with: " "))\n" + yaml,
                                                            caseJSON: String(decoding: fuzzCase.canonicalBytes, as: UTF8.self)))
                }
            } catch {
                outcome.harnessErrors.append("responses/\(index): \(error)")
            }
            index += 1
            progress(index, outcome.violations.count)
        }
        outcome.wallSeconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// Loads the case's scenario, runs it and judges the result.
    func evaluate(_ yaml: String, in directory: URL, index: Int) async throws -> [OracleFinding] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("response-case-\(index).yaml")
        try Data(yaml.utf8).write(to: file, options: .atomic)
        defer { try? FileManager.default.removeItem(at: file) }
        let scenarios = try ScenarioLoader.load(file: file.path)
        var findings: [OracleFinding] = []
        for var scenario in scenarios {
            // The oracle's two rules, judged as they come out: a mutant's own rules are not expected
            // failures here (as `run` makes them), since what is asked is how it meets the mutated answers.
            scenario.checks = Self.checks
            scenario.expectedFailures = []
            findings += judge(await runner.run(scenario))
        }
        return findings
    }

    /// The oracle over one case's result.
    public func judge(_ result: CaseResult) -> [OracleFinding] {
        var found: [OracleFinding] = []
        for verdict in result.verdicts where verdict.outcome.failsRun {
            let overran = verdict.requirement == .dpsFlowDeadline001 || verdict.outcome == .error
            found.append(OracleFinding(kind: overran ? .deviceOverran : .deviceMisreported,
                                       requirement: overran ? .dpsFlowDeadline001 : verdict.requirement,
                                       expected: verdict.expected, observed: verdict.observed))
        }
        if result.deviceOutcome["status"] == "assigned" {
            let hub = result.deviceOutcome["assignedHub"]
            let assigning = result.transcript.compactMap(\.exchange).contains {
                $0.role == .response && $0.status == 200 && $0.state == .assigned && $0.assignedHub != nil && $0.assignedHub == hub
            }
            if !assigning, !found.contains(where: { $0.requirement == .dpsFlowResult001 }) {
                found.append(OracleFinding(kind: .deviceMisreported, requirement: .dpsFlowResult001,
                                           expected: ["'assigned' only after a 200 response whose registration state is assigned to the hub reported"],
                                           observed: "the device reported assigned to \(hub ?? "no hub"), and no 200 response assigned it there"))
            }
        }
        return found
    }
}
