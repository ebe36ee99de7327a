import DPSCore
import Foundation
@testable import Fuzzing
import Inputs
import ScenarioEngine
import TestSupport
import XCTest

/// The responses target: deterministic cases, a CI-sized run against the reference device, and a
/// mutant that reports `assigned` on the first 202 caught.
final class ResponseFuzzTests: XCTestCase {
    func testResponseCasesRepeatForTheSameSeed() {
        let first = (0..<300).map { ResponseCase.make(seed: 5, index: $0, transports: [.mqtt, .https]).canonicalBytes }
        XCTAssertEqual(first, (0..<300).map { ResponseCase.make(seed: 5, index: $0, transports: [.mqtt, .https]).canonicalBytes })
        XCTAssertNotEqual(first, (0..<300).map { ResponseCase.make(seed: 6, index: $0, transports: [.mqtt, .https]).canonicalBytes })
    }

    func testEveryCaseLoadsAsAScenario() throws {
        let fuzzer = try ResponseFuzzer(settings: FuzzSettings(seed: 5, budget: .cases(0)), catalogue: catalogue())
        for index in 0..<200 {
            let path = try TemporaryFiles.write(fuzzer.scenarioYAML(fuzzer.fuzzCase(index)), name: "case.yaml")
            XCTAssertEqual(try ScenarioLoader.load(file: path).count, 1, "case \(index)")
        }
    }

    func testTheReferenceDeviceMeetsMutatedResponses() async throws {
        let fuzzer = try ResponseFuzzer(settings: FuzzSettings(seed: 1, budget: .cases(8), transports: [.mqtt, .https]), catalogue: catalogue())
        let outcome = await fuzzer.run(workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("responses-\(UUID().uuidString)"))
        XCTAssertEqual(outcome.casesRun, 8)
        XCTAssertEqual(outcome.harnessErrors, [])
        XCTAssertEqual(outcome.violations.map(\.caseName), [], outcome.violations.map(\.observed).joined(separator: "\n"))
    }

    func testAMutantThatStopsAtTheFirst202IsCaught() async throws {
        let settings = FuzzSettings(seed: 1, budget: .cases(4), transports: [.mqtt], device: "mutant:first-202-is-final")
        let fuzzer = try ResponseFuzzer(settings: settings, catalogue: catalogue())
        let outcome = await fuzzer.run(workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("responses-\(UUID().uuidString)"))
        XCTAssertTrue(outcome.violations.contains { $0.requirement == .dpsFlowResult001 })
    }

    /// An answer under another `$rid` that says `assigned` to another hub, and a duplicated
    /// register answer: the reference device ignores both and ends assigned where the service put it.
    func testTheReferenceDeviceIgnoresAnAnswerUnderAnotherRid() async throws {
        let fuzzer = try ResponseFuzzer(settings: FuzzSettings(seed: 1, budget: .cases(0), transports: [.mqtt]), catalogue: catalogue())
        let body = "{\"operationId\":\"x\",\"status\":\"assigned\",\"registrationState\":{\"status\":\"assigned\",\"assignedHub\":\"evil.example\"}}"
        let rules = ["{on: poll, occurrence: \"1\", modify: {rid: \"999\", body: \(ReproducerScenario.quoted(body))}}",
                     "{on: register, occurrence: \"1\", modify: {duplicate: true}}"]
        let yaml = fuzzer.scenarioYAML(ResponseCase(index: 0, transport: .mqtt, rules: rules))
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("responses-\(UUID().uuidString)")
        let findings = try await fuzzer.evaluate(yaml, in: work, index: 0)
        XCTAssertEqual(findings, [])
    }

    private func catalogue() throws -> RequirementCatalogue {
        try RequirementCatalogue.load(path: Checkout.url("Scenarios/requirements.yaml").path)
    }
}
