import TestSupport
import Foundation
import Inputs
@testable import ScenarioEngine

/// The checkout's root (TestSupport).
let repositoryRoot = Checkout.root

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "scenario.yaml") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-engine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Loads `text` as a scenario file and returns the InputError it raises.
func loadError(_ text: String) throws -> InputError? {
    let path = try temporaryFile(text)
    do {
        _ = try ScenarioLoader.load(file: path)
        return nil
    } catch let error as InputError {
        return error
    }
}

let validScenario = """
    suite: test
    scenarios:
      - id: test/one
        enrollments:
          individual:
            - registrationId: dev-1
              symmetricKey: {primaryKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="}
        device:
          registrationId: dev-1
        expect:
          outcome: assigned
    """
