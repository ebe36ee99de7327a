import DPSCore
import Device
import Foundation
import Inputs
@testable import ScenarioEngine
import Testing

@Suite("Requirement catalogue: every ID defined once, cited, and known")
struct CatalogueTests {
    let catalogue: RequirementCatalogue
    let scenarios: [Scenario]

    init() throws {
        let directory = repositoryRoot.appendingPathComponent("Scenarios").path
        catalogue = try RequirementCatalogue.load(path: (directory as NSString).appendingPathComponent(RequirementCatalogue.fileName))
        scenarios = try ScenarioLoader.load(paths: [directory])
    }

    @Test("every scenario cites only catalogued requirements that have a check")
    func citedAreKnown() throws {
        try catalogue.validate(scenarios)
        #expect(!scenarios.isEmpty)
    }

    @Test("the catalogue and the code's ID table name the same requirements")
    func tableMatchesCatalogue() {
        #expect(catalogue.catalogued.map(\.id) == RequirementID.catalogued)
    }

    @Test("every catalogued device-side requirement has exactly one check, and every check a catalogued requirement")
    func everyRequirementChecked() {
        // Service rules (DPS-SVC-*) are checked by device scripts' expectations instead.
        let unchecked = RequirementID.catalogued.filter { !$0.isServiceRule && CheckLibrary.check(for: $0) == nil }
        #expect(CheckLibrary.checkedRequirements.allSatisfy { !$0.isServiceRule })
        #expect(unchecked.isEmpty, "no check: \(unchecked)")
        #expect(CheckLibrary.requirementsCheckedTwice.isEmpty, "checked twice: \(CheckLibrary.requirementsCheckedTwice)")
        for id in CheckLibrary.checkedRequirements { #expect(catalogue[id] != nil, "\(id)") }
    }

    @Test("every catalogued requirement is checked by a case of the default catalogue (on a transport its check applies to, or by a script)")
    func everyRequirementCited() {
        let cited = Set(scenarios.flatMap { scenario in
            scenario.checks.filter { CheckLibrary.transports(of: $0).contains(scenario.transport) }
        }).union(scenarios.flatMap { $0.script?.requirements ?? [] })
        let uncited = RequirementID.catalogued.filter { !cited.contains($0) }
        #expect(uncited.isEmpty, "no case checks: \(uncited)")
    }

    @Test("every catalogued requirement is expected to fail in some case of the default catalogue (a mutant, fault or raw case)")
    func everyRequirementShownFailing() {
        let expected = Set(scenarios.flatMap(\.expectedFailures))
        let never = RequirementID.catalogued.filter { !expected.contains($0) }
        #expect(never.isEmpty, "no case expects a failure of: \(never)")
    }

    @Test("every mutant device runs in some case of the default catalogue, expecting its rules to fail")
    func everyMutantRun() {
        var run: Set<MutantProfile> = []
        for scenario in scenarios {
            guard case .mutant(let mutant) = scenario.device.profile else { continue }
            let transport: DeviceTransportKind = scenario.transport == .mqtt ? .mqtt : .https
            #expect(mutant.brokenRequirements(on: transport).isSubset(of: scenario.expectedFailures), "\(scenario.id)")
            run.insert(mutant)
        }
        #expect(Set(MutantProfile.allCases).subtracting(run).isEmpty, "never run: \(Set(MutantProfile.allCases).subtracting(run))")
    }

    @Test("an unknown requirement in a scenario is refused at its own entry")
    func unknownCited() throws {
        let path = try temporaryFile(validScenario + "\n    checks: [DPS-FLOW-RESULT-001, DPS-FLOW-NOPE-001]")
        let error = try #require(throws: InputError.self) { try ScenarioLoader.load(file: path) }
        #expect(error.code == .unknownRequirement)
        #expect(error.line == 12)
    }

    @Test("a catalogue naming an ID the code's table lacks, or lacking one it has, is refused")
    func orphans() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml"), encoding: .utf8)
        let extra = text + "  - {id: DPS-FLOW-EXTRA-001, level: MUST, statement: a, source: b}\n"
        let error = try #require(throws: InputError.self) { try RequirementCatalogue.load(path: try temporaryFile(extra, name: "requirements.yaml")) }
        #expect(error.code == .unknownRequirement)
        let missing = text.replacingOccurrences(of: "id: DPS-FLOW-ETAG-001", with: "id: DPS-FLOW-ETAGX-001")
        #expect(throws: InputError.self) { try RequirementCatalogue.load(path: try temporaryFile(missing, name: "requirements.yaml")) }
    }

    @Test("the catalogue file refuses duplicates and malformed IDs")
    func catalogueErrors() throws {
        for text in ["requirements:\n  - {id: DPS-FLOW-X-1, level: MUST, statement: a, source: b}\n  - {id: DPS-FLOW-X-1, level: MUST, statement: a, source: b}",
                     "requirements:\n  - {id: flow-1, level: MUST, statement: a, source: b}",
                     "requirements:\n  - {id: DPS-FLOW-X-1, level: SOMETIMES, statement: a, source: b}",
                     "requirements:\n  - {id: DPS-FLOW-X-1, level: MUST}"] {
            #expect(throws: InputError.self) { _ = try RequirementCatalogue.load(path: try temporaryFile(text, name: "requirements.yaml")) }
        }
    }
}
