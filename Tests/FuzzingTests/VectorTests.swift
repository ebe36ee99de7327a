import DPSCore
import FakeDPS
import Foundation
@testable import Fuzzing
import TestSupport
import XCTest

/// `Vectors/registration-ids.json` against DPSCore's validator, the fuzz oracle and the fake.
final class RegistrationIDVectorTests: XCTestCase {
    var vectors: [RegistrationIDVectors.Vector] = []

    override func setUpWithError() throws {
        vectors = try RegistrationIDVectors.load(Checkout.url("Vectors/" + RegistrationIDVectors.fileName)).vectors
    }

    func testTheFileHasEveryKindOfVector() {
        XCTAssertGreaterThanOrEqual(vectors.count, 60)
        XCTAssertEqual(Set(vectors.map(\.result)), [.valid, .invalid, .acceptable])
    }

    /// valid: every profile accepts it for SAS and X.509; invalid: every profile refuses it;
    /// acceptable: the profiles (or the credential kinds) disagree, and validator and oracle agree per profile.
    func testValidatorAndOracleAgreeWithTheVectors() {
        for vector in vectors {
            var verdicts: [IDVerdict] = []
            for profile in RegistrationIDProfile.allCases {
                let validatorAccepts = (try? profile.policy.validate(vector.id)) != nil
                for credential in [FuzzCredential.sas, .x509] {
                    let verdict = profile.judge(vector.id, credential: credential).verdict
                    verdicts.append(verdict)
                    if credential == .sas { XCTAssertEqual(verdict == .valid, validatorAccepts, "tcId \(vector.tcId) \(profile)") }
                }
            }
            switch vector.result {
            case .valid: XCTAssertTrue(verdicts.allSatisfy { $0 == .valid }, "tcId \(vector.tcId)")
            case .invalid: XCTAssertTrue(verdicts.allSatisfy { $0 == .invalid }, "tcId \(vector.tcId)")
            case .acceptable: XCTAssertEqual(Set(verdicts), [.valid, .invalid], "tcId \(vector.tcId)")
            }
        }
    }

    /// Every vector over both transports to the fake under the documented rule: valid and
    /// acceptable-under-documented IDs are accepted, invalid ones refused as documented, and the
    /// oracle finds nothing.
    func testTheFakeAnswersEveryVectorAsTheOracleExpects() async throws {
        for profile in RegistrationIDProfile.allCases {
            let settings = FuzzSettings(seed: 1, budget: .cases(0), profile: profile)
            let fuzzer = try RegistrationIDFuzzer(settings: settings)
            let destination = try await FakeDestination.start(fuzzer.serviceSetup())
            let oracle = RegistrationIDOracle(profile: profile)
            for vector in vectors where profile == .documented || vector.result == .acceptable {
                for transport in FuzzTransport.allCases {
                    let fuzzCase = RegistrationIDCase(index: vector.tcId, id: vector.id, origin: "vector/\(vector.tcId)", transport: transport, credential: .sas)
                    let (answer, _) = await fuzzer.send(fuzzCase, to: destination)
                    let violations = oracle.judge(fuzzCase, answer: answer, registered: nil)
                    XCTAssertTrue(violations.isEmpty, "tcId \(vector.tcId) \(profile) \(transport): \(violations.map(\.observed))")
                    XCTAssertEqual(answer.accepted, profile.judge(vector.id, credential: .sas).verdict == .valid, "tcId \(vector.tcId) \(profile) \(transport)")
                }
            }
            await destination.stop()
        }
    }
}
