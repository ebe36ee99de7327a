import TestSupport
import Foundation
import Inputs
@testable import ScenarioEngine

/// The checkout's root (TestSupport).
let repositoryRoot = Checkout.root

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "scenario.yaml") throws -> String {
    try TemporaryFiles.write(text, name: name)
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
