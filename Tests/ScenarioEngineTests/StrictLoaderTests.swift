import Foundation
import Inputs
@testable import ScenarioEngine
import Testing

/// What the loader refuses because it could never take effect or could never all hold
/// (docs/scenarios.md, "Refused at load"): each names file, line, column and field.
@Suite("Scenario loader: settings that would silently do nothing are refused")
struct StrictLoaderTests {
    /// `validScenario` with `insert` after its `id:` line (indented as a scenario field).
    static func with(_ insert: String, replacing: (String, String)? = nil) -> String {
        var text = validScenario.replacingOccurrences(of: "  - id: test/one\n", with: "  - id: test/one\n" + insert)
        if let (find, replace) = replacing {
            #expect(text.contains(find))
            text = text.replacingOccurrences(of: find, with: replace)
        }
        return text
    }

    static func located(_ error: InputError, line: Int, field: String, says text: String) {
        #expect(error.line == line, "\(error)")
        #expect(error.column != nil, "\(error)")
        #expect(error.field == field, "\(error)")
        #expect(error.description.contains(text), "\(error)")
        #expect(error.description.contains("scenario.yaml"), "\(error)")
    }

    @Test("a top-level defaults: is refused (it was never applied)")
    func defaults() throws {
        let text = validScenario.replacingOccurrences(of: "suite: test\n", with: "suite: test\ndefaults:\n  transport: https\n")
        let error = try #require(try loadError(text))
        #expect(error.code == .unknownField)
        Self.located(error, line: 3, field: "defaults", says: "'defaults' is not supported")
    }

    @Test("a fault on subscribe or connect in a case over HTTPS is refused at its 'on'", arguments: ["subscribe", "connect"])
    func faultOverHTTPS(target: String) throws {
        let action = target == "subscribe" ? "refuseSubscription: true" : "refuseConnection: 5"
        let error = try #require(try loadError(Self.with("    transport: https\n    faults:\n      - {on: \(target), \(action)}\n")))
        #expect(error.code == .invalidValue)
        Self.located(error, line: 6, field: "scenarios[0].faults[0].on", says: "HTTPS has no \(target) exchange")
        // The same fault over MQTT loads, and a register fault over HTTPS loads.
        #expect(try loadError(Self.with("    transport: mqtt\n    faults:\n      - {on: \(target), \(action)}\n")) == nil)
        #expect(try loadError(Self.with("    transport: https\n    faults:\n      - {on: register, noResponse: true}\n")) == nil)
    }

    @Test("in a matrix over both transports the subscribe fault is refused too, telling the author to split it")
    func faultInMatrix() throws {
        let error = try #require(try loadError(Self.with("    matrix: {transport: [mqtt, https]}\n    faults:\n      - {on: subscribe, refuseSubscription: true}\n")))
        Self.located(error, line: 6, field: "scenarios[0].faults[0].on", says: "split the scenario")
        #expect(error.description.contains("test/one/https"))
    }

    @Test("a check that does not apply to the case's transport is refused at its entry")
    func checkOffTransport() throws {
        let error = try #require(try loadError(Self.with("    transport: https\n    checks: [DPS-FLOW-RESULT-001, DPS-MQTT-SUB-001]\n")))
        #expect(error.code == .invalidValue)
        Self.located(error, line: 5, field: "scenarios[0].checks[1]", says: "DPS-MQTT-SUB-001 applies only over mqtt, but this scenario runs over https")
        let http = try #require(try loadError(Self.with("    checks: [DPS-HTTP-ROUTE-001]\n")))
        Self.located(http, line: 4, field: "scenarios[0].checks[0]", says: "DPS-HTTP-ROUTE-001 applies only over https")
        // A matrix whose transports the check fits none of: refused.
        let matrix = try #require(try loadError(Self.with("    matrix: {transport: [https]}\n    checks: [DPS-MQTT-SUB-001]\n")))
        Self.located(matrix, line: 5, field: "scenarios[0].checks[0]", says: "never be evaluated")
        // Checks that apply to the case's own transport load.
        #expect(try loadError(Self.with("    transport: mqtt\n    checks: [DPS-MQTT-SUB-001]\n")) == nil)
    }

    @Test("in a matrix over both transports an MQTT-only check loads: evaluated over MQTT, not applicable over HTTPS")
    func checkInMatrix() throws {
        let cases = try ScenarioLoader.load(file: try temporaryFile(Self.with("    matrix: {transport: [mqtt, https]}\n    checks: [DPS-FLOW-RESULT-001, DPS-MQTT-SUB-001]\n")))
        #expect(cases.map(\.id) == ["test/one/mqtt", "test/one/https"])
        #expect(cases.allSatisfy { $0.checks == [.dpsFlowResult001, .dpsMqttSub001] })
        #expect(CheckLibrary.transports(of: .dpsMqttSub001) == [.mqtt])
    }

    @Test("a mutant that cannot show over the case's transport is refused outside a matrix")
    func mutantOffTransport() throws {
        let text = Self.with("    transport: https\n", replacing: ("    device:\n      registrationId: dev-1\n",
                                                                 "    device:\n      registrationId: dev-1\n      profile: mutant:reuses-rid\n"))
        let error = try #require(try loadError(text))
        #expect(error.code == .invalidValue)
        Self.located(error, line: 11, field: "scenarios[0].device.profile", says: "mutant reuses-rid cannot show its fault over https")
        // In a matrix the case is left out, as documented.
        let matrix = Self.with("    matrix: {transport: [mqtt, https], profile: [reference, mutant:reuses-rid]}\n")
        let cases = try ScenarioLoader.load(file: try temporaryFile(matrix))
        #expect(cases.map(\.id) == ["test/one/mqtt/reference", "test/one/mqtt/mutant:reuses-rid", "test/one/https/reference"])
    }

    @Test("expectations that exclude each other are refused", arguments: [
        ("      outcome: assigned", "      outcome: assigned\n      errorCode: 401002", 12, "scenarios[0].expect.errorCode", "no error code"),
        ("      outcome: assigned", "      outcome: [failed, rejected]\n      assignedHub: hub.example", 12, "scenarios[0].expect.assignedHub", "lacks 'assigned'"),
        ("      outcome: assigned", "      outcome: failed\n      deviceId: dev-1", 12, "scenarios[0].expect.deviceId", "lacks 'assigned'"),
    ])
    func contradictoryExpectations(find: String, replace: String, line: Int, field: String, says: String) throws {
        let text = validScenario.replacingOccurrences(of: find, with: replace)
        #expect(text != validScenario)
        let error = try #require(try loadError(text))
        #expect(error.code == .invalidValue)
        Self.located(error, line: line, field: field, says: says)
    }

    @Test("expectations that can hold together still load")
    func consistentExpectations() throws {
        for expect in ["      outcome: [assigned, failed]\n      errorCode: 401002", "      outcome: [assigned, failed]\n      assignedHub: hub.example",
                       "      outcome: failed\n      errorCode: 401002"] {
            #expect(try loadError(validScenario.replacingOccurrences(of: "      outcome: assigned", with: expect)) == nil, "\(expect)")
        }
    }

    @Test("the default suite loads under these rules")
    func defaultSuiteLoads() throws {
        let cases = try ScenarioLoader.load(paths: [repositoryRoot.appendingPathComponent("Scenarios").path])
        #expect(cases.count > 100)
    }
}
