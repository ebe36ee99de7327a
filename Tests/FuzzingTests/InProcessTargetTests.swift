import DICE
import DPSCore
import Foundation
@testable import Fuzzing
import Inputs
import ScenarioEngine
import TestSupport
import VectorChecks
import XCTest

/// The in-process fuzz targets in a normal build: every seed and every input libFuzzer ever
/// crashed on (Tests/FuzzCorpus/TARGET/) goes through the same function the libFuzzer binary
/// calls, so a crash once found stays a regression test; and the seeds reach past the first
/// refusal, or the fuzzer would start from nothing.
final class InProcessTargetTests: XCTestCase {
    private func corpus(_ target: InProcessTarget) throws -> [(name: String, bytes: [UInt8])] {
        let folder = Checkout.url("Tests/FuzzCorpus/" + target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    func testEveryTargetHasSeedsAndEverySeedKeepsItsProperty() throws {
        for target in InProcessTarget.allCases {
            let files = try corpus(target)
            XCTAssertFalse(files.isEmpty, "\(target.rawValue) has no seed corpus")
            for file in files {
                XCTAssertNil(target.run(file.bytes), "\(target.rawValue)/\(file.name)")
            }
        }
    }

    func testTheSeedsReachWhatTheyAreMeantToReach() throws {
        func seed(_ target: InProcessTarget, _ name: String) throws -> [UInt8] {
            try XCTUnwrap(try corpus(target).first { $0.name == name }?.bytes, "\(target.rawValue)/\(name)")
        }
        // A token the fuzz group's key signs: parsed and verified, so mutations start inside the verifier.
        let token = try SASToken(parsing: String(decoding: try seed(.sasToken, "valid-group-derived"), as: UTF8.self))
        XCTAssertNoThrow(try SASVerifier().verify(token, idScope: FuzzServiceSetup.idScope, registrationID: "fuzz-device",
                                                  keysBase64: [try DerivedDeviceKey.derive(groupKeyBase64: FuzzServiceSetup.groupKey, registrationID: "fuzz-device")],
                                                  now: Date()))
        XCTAssertNoThrow(try JSONText.decode(RegistrationOperationStatus.self, from: try seed(.dpsJSON, "status-200"), what: "body"))
        XCTAssertNoThrow(try JSONText.decode(DeviceRegistration.self, from: try seed(.dpsJSON, "register-request"), what: "body"))
        XCTAssertFalse(try ScenarioLoader.load(text: String(decoding: try seed(.scenarioLoader, "tls.yaml"), as: UTF8.self),
                                               file: Checkout.url("Scenarios/tls.yaml").path).isEmpty)
        XCTAssertFalse(try EnrollmentFile.load(text: String(decoding: try seed(.enrollmentLoader, "example.yaml"), as: UTF8.self),
                                               path: "example.yaml").individuals.isEmpty)
        XCTAssertNoThrow(try VectorFileLoader.load(bytes: try seed(.vectorLoader, "dps-two.json"), path: "dps-two.json"))
        XCTAssertNoThrow(try VectorFileLoader.load(bytes: try seed(.vectorLoader, "dice-two.json"), path: "dice-two.json"))
        XCTAssertNoThrow(try LinkerMap(mapFile: try seed(.linkerMap, "devkit-demo.ino.map")))
        XCTAssertNoThrow(try LinkerMap(mapFile: try seed(.linkerMap, "crlf.map")))
        XCTAssertNoThrow(try PresentedCertificate(der: try seed(.certificateChain, "devkit-alias.der")))
        XCTAssertEqual(InProcessTarget.frames(try seed(.certificateChain, "chain-framed")).map(\.count).count, 2)
    }

    func testFramesCutByLengthPrefixes() {
        XCTAssertEqual(InProcessTarget.frames([0, 2, 7, 8, 0, 1, 9]), [[7, 8], [9]])
        XCTAssertEqual(InProcessTarget.frames([0, 5, 1]), [[1]])
        XCTAssertEqual(InProcessTarget.frames([1]), [])
    }
}
