import Foundation
import Inputs
@testable import ScenarioEngine
import TestSupport
import Testing
import Verdicts

/// Every example of docs/scenarios.md (docs/examples/*.yaml) loads and runs as documented.
@Suite("Docs: every scenario example loads and runs")
struct DocExampleTests {
    static let files: [String] = {
        let directory = Checkout.url("docs/examples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
    }()

    @Test("the examples exist")
    func examplesExist() {
        #expect(Self.files.count >= 7)
    }

    @Test("an example runs with every case passing (or failing as it expects)", arguments: files)
    func runs(_ file: String) async throws {
        let catalogue = try RequirementCatalogue.load(path: Checkout.url("Scenarios/requirements.yaml").path)
        let scenarios = try ScenarioLoader.load(file: file)
        try catalogue.validate(scenarios)
        #expect(!scenarios.isEmpty)
        var runner = ScenarioRunner(catalogue: catalogue)
        runner.jobs = 4
        let results = await runner.run(scenarios)
        #expect(results.count == scenarios.count)
        for result in results {
            #expect([.pass, .xfail].contains(result.outcome),
                    "\(result.id): \(result.verdicts.filter { ![.pass, .skip].contains($0.outcome) })")
        }
    }
}
