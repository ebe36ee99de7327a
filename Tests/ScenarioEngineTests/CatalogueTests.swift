import Foundation
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

    /// Every `"DPS-..."` or `"DICE-..."` string literal in Sources/.
    static func idsInSources() throws -> Set<String> {
        let sources = repositoryRoot.appendingPathComponent("Sources")
        var ids: Set<String> = []
        let files = (FileManager.default.enumerator(atPath: sources.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        let pattern = try NSRegularExpression(pattern: #""((?:DPS|DICE)-[A-Z]+(?:-[A-Z0-9]+)+)""#)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { ids.insert(String(text[range])) }
            }
        }
        return ids
    }

    @Test("every scenario cites only catalogued requirements that have a check")
    func citedAreKnown() throws {
        try catalogue.validate(scenarios)
        #expect(!scenarios.isEmpty)
    }

    @Test("every requirement ID used in the code is in the catalogue")
    func codeIDsKnown() throws {
        let unknown = try Self.idsInSources().filter { catalogue[$0] == nil }
        #expect(unknown.isEmpty, "not in Scenarios/requirements.yaml: \(unknown.sorted())")
    }

    @Test("every catalogued DPS/DICE requirement is cited by a scenario or enforced in code")
    func noneUncited() throws {
        let used = try Self.idsInSources().union(scenarios.flatMap(\.checks))
        let uncited = catalogue.requirements.keys.filter { !$0.hasPrefix("MQTT-3.1.1-") && !used.contains($0) }
        #expect(uncited.isEmpty, "uncited: \(uncited.sorted())")
    }

    @Test("every automated check belongs to a catalogued requirement")
    func checksKnown() {
        for id in CheckLibrary.checkedRequirements { #expect(catalogue[id] != nil, "\(id)") }
    }

    @Test("an unknown requirement in a scenario is refused")
    func unknownCited() throws {
        let path = try temporaryFile(validScenario + "\n    checks: [DPS-FLOW-NOPE-001]")
        let scenarios = try ScenarioLoader.load(file: path)
        #expect(throws: InputError.self) { try catalogue.validate(scenarios) }
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
