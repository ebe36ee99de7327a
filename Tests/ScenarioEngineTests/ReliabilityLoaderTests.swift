import DPSCore
import Foundation
import Inputs
@testable import ScenarioEngine
import Testing

/// Issue 10, findings 3 and 9, for scenario files: errors found after loading point at the
/// entry that caused them, and an alias bomb in a free-form field is refused at its line.
@Suite("Reliability of scenario files")
struct ReliabilityLoaderTests {
    @Test("a requirement the catalogue lacks is reported at its checks: entry, not at the scenario")
    func unknownRequirementAtItsEntry() throws {
        let text = validScenario + """

                checks:
                  - DPS-FLOW-DEADLINE-001
                  - DPS-MQTT-CONN-001
            """
        let path = try temporaryFile(text)
        let scenarios = try ScenarioLoader.load(file: path)
        // A catalogue holding only the MQTT rules: both DPS requirements are missing from it.
        let error = try #require(throws: InputError.self) { try RequirementCatalogue(requirements: []).validate(scenarios) }
        #expect(error.code == .unknownRequirement)
        #expect(error.file == path)
        #expect(error.line == 13, "\(error)")
        #expect(error.field == "scenarios[0].checks[0]")
        #expect(error.description.hasPrefix("\(path):13:9:"))
    }

    @Test("an alias bomb in device.payload is refused at its line, within seconds")
    func aliasBombInPayload() throws {
        var lines = validScenario.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let device = try #require(lines.firstIndex(of: "    device:"))
        var bomb = ["      payload:", "        l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            bomb.append("        l\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", "))]")
        }
        lines.insert(contentsOf: bomb, at: device + 1)
        let path = try temporaryFile(lines.joined(separator: "\n"))
        let started = ContinuousClock.now
        let error = try #require(throws: InputError.self) { try ScenarioLoader.load(file: path) }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(error.code == .limitExceeded)
        #expect(((device + 2)...(device + 12)).contains(error.line ?? 0), "\(error)")
    }
}
