import Foundation
import Inputs
@testable import ScenarioEngine
import Testing

@Suite("Scenario and enrollment files: precise errors, never a crash")
struct LoaderTests {
    @Test("a valid file loads with the default checks")
    func valid() throws {
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(validScenario))
        #expect(scenarios.count == 1)
        #expect(scenarios[0].checks == CheckLibrary.defaultChecks(for: .mqtt))
        #expect(scenarios[0].service.enrollments.individuals.first?.registrationID == "dev-1")
    }

    @Test("an unknown field names its line and field")
    func unknownField() throws {
        let error = try #require(try loadError(validScenario.replacingOccurrences(of: "      outcome: assigned", with: "      outcome: assigned\n      outcomme: x")))
        #expect(error.code == .unknownField)
        #expect(error.line == 12)
        #expect(error.field == "scenarios[0].expect.outcomme")
    }

    @Test("a missing field, a wrong type and a bad value are told apart", arguments: [
        ("    device:\n      registrationId: dev-1\n", "", InputError.Code.missingField),
        ("      outcome: assigned", "      outcome: [assigned, sleepy]", .invalidValue),
        ("    device:\n", "    service: {retryAfter: soon}\n    device:\n", .wrongType),
        ("    device:\n", "    service: {retryAfter: -1}\n    device:\n", .invalidValue),
        ("primaryKey: \"c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=\"", "primaryKey: \"not base64!\"", .invalidValue),
        ("registrationId: dev-1\n          symmetricKey", "registrationId: \"dev 1\"\n          symmetricKey", .invalidValue),
    ])
    func kinds(find: String, replace: String, code: InputError.Code) throws {
        let text = validScenario.replacingOccurrences(of: find, with: replace)
        #expect(text != validScenario)
        let error = try #require(try loadError(text))
        #expect(error.code == code, "\(error)")
        #expect(error.line != nil)
    }

    @Test("YAML syntax errors carry the line")
    func syntax() throws {
        let error = try #require(try loadError("suite: x\nscenarios:\n  - id: [unclosed\n"))
        #expect(error.code == .yamlSyntax)
        #expect(error.line != nil)
    }

    @Test("a key that is not base64 never appears in the error")
    func keyNotEchoed() throws {
        let text = validScenario.replacingOccurrences(of: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=", with: "SECRET-NOT-BASE64")
        let error = try #require(try loadError(text))
        #expect(!error.description.contains("SECRET"))
    }

    @Test("duplicate scenario ids across files are refused")
    func duplicateIDs() throws {
        let first = try temporaryFile(validScenario, name: "a.yaml")
        let directory = (first as NSString).deletingLastPathComponent
        try Data(validScenario.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent("b.yaml"))
        #expect(throws: InputError.self) { _ = try ScenarioLoader.load(paths: [directory]) }
    }

    @Test("a missing path is an unreadable-file error, not a crash")
    func missingPath() {
        do {
            _ = try ScenarioLoader.load(paths: ["/nonexistent/scenarios"])
            Issue.record("loaded a missing path")
        } catch let error as InputError {
            #expect(error.code == .unreadableFile)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("random bytes as a scenario file give an InputError")
    func randomBytes() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = try temporaryFile("")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(throws: InputError.self) { _ = try ScenarioLoader.load(file: path) }
        }
    }
}
