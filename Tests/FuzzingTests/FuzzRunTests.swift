import DPSCore
import FakeDPS
import Foundation
@testable import Fuzzing
import Inputs
import ScenarioEngine
import TestSupport
import XCTest

/// CI-sized runs of each target against the fake, and a deliberately weakened fake caught by the right target.
final class FuzzRunTests: XCTestCase {
    func testRegistrationIDsFindNothingInTheFake() async throws {
        let fuzzer = try RegistrationIDFuzzer(settings: FuzzSettings(seed: 7, budget: .cases(60)))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        let outcome = await fuzzer.run(against: destination)
        await destination.stop()
        XCTAssertEqual(outcome.casesRun, 60)
        XCTAssertEqual(outcome.casesByTransport[.mqtt], 30)
        XCTAssertEqual(outcome.harnessErrors, [])
        XCTAssertEqual(outcome.violations.map(\.caseName), [], outcome.violations.map { "\($0.caseName): \($0.observed)" }.joined(separator: "\n"))
    }

    func testAFakeThatAcceptsInvalidIDsIsCaught() async throws {
        let fuzzer = try RegistrationIDFuzzer(settings: FuzzSettings(seed: 7, budget: .cases(60)))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup(weakness: .acceptsInvalidRegistrationIDs))
        let outcome = await fuzzer.run(against: destination)
        await destination.stop()
        let rules: Set<RequirementID> = [.dpsId001, .dpsId002, .dpsId003]
        XCTAssertFalse(outcome.violations.filter { rules.contains($0.requirement) }.isEmpty)
        XCTAssertTrue(outcome.violations.allSatisfy { $0.reproducer != nil })
    }

    func testAViolationIsMinimisedToWhatShowsIt() async throws {
        let fuzzer = try RegistrationIDFuzzer(settings: FuzzSettings(seed: 7, budget: .cases(0)))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup(weakness: .acceptsInvalidRegistrationIDs))
        let oracle = RegistrationIDOracle(profile: .documented)
        let start = RegistrationIDCase(index: 0, id: "abcdefghij$klmnop", origin: "test", transport: .https, credential: .sas,
                                       disagreement: .init(place: .body, otherID: "abcdefghij$klmnop".uppercased()))
        let (_, _, findings) = await fuzzer.evaluate(start, oracle: oracle, against: destination)
        let finding = try XCTUnwrap(findings.first)
        XCTAssertEqual(finding.kind, .invalidAccepted)
        let smallest = await fuzzer.minimise(start, keeping: finding, oracle: oracle, against: destination)
        await destination.stop()
        XCTAssertEqual(smallest.id, "$")
        XCTAssertNil(smallest.disagreement)
    }

    func testCertificatesFindNothingInTheFake() async throws {
        let fuzzer = try CertificateFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.https]))
        let settings = FuzzSettings(seed: 3, budget: .cases(fuzzer.passLength), transports: [.https])
        let pass = try CertificateFuzzer(settings: settings)
        let destination = try await FakeDestination.start(pass.serviceSetup())
        let outcome = await pass.run(against: destination)
        await destination.stop()
        XCTAssertEqual(outcome.casesRun, pass.corpus.samples.count)
        XCTAssertEqual(outcome.harnessErrors, [])
        XCTAssertEqual(outcome.violations.map(\.caseName), [], outcome.violations.map { "\($0.caseName): \($0.observed)" }.joined(separator: "\n"))
    }

    func testEveryControlIsAcceptedOverMQTTToo() async throws {
        let fuzzer = try CertificateFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.mqtt]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        for sample in fuzzer.corpus.samples.filter(\.isControl).prefix(8) {
            let (answer, withoutTLS) = await fuzzer.present(sample, over: .mqtt, to: destination)
            XCTAssertTrue(answer.accepted, "\(sample.name): \(answer.text)")
            XCTAssertFalse(withoutTLS, sample.name)
        }
        await destination.stop()
    }

    func testAFakeThatSkipsSignaturesIsCaught() async throws {
        let fuzzer = try CertificateFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.https]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup(weakness: .skipsCertificateSignatures))
        let sample = try XCTUnwrap(fuzzer.corpus.samples.first { $0.certificateClass == .malformation(.badSignature) && !$0.isControl })
        let (answer, _) = await fuzzer.present(sample, over: .https, to: destination)
        await destination.stop()
        let violations = fuzzer.judge(sample, answer: answer, registered: [])
        XCTAssertEqual(violations.map(\.requirement), [.dpsAuthX509002], answer.text)
        XCTAssertEqual(violations.map(\.kind), [.invalidAccepted])
    }

    func testTheCorpusHasFortyClassesEachWithAControl() throws {
        let corpus = try CertificateCorpus.make(seed: 1, now: Date())
        XCTAssertGreaterThanOrEqual(corpus.classCount, 40)
        let malformations = corpus.samples.filter { !$0.isControl }.compactMap { sample -> CertificateMalformation? in
            if case .malformation(let malformation) = sample.certificateClass { return malformation }
            return nil
        }
        XCTAssertEqual(Set(malformations), Set(CertificateMalformation.allCases))
        XCTAssertEqual(corpus.samples.filter(\.isControl).count, CertificateMalformation.allCases.count + 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = try CorpusWriter.write(corpus, seed: 1, to: directory)
        XCTAssertEqual(manifest.entries.count, corpus.samples.count)
        for entry in manifest.entries {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(entry.file).path))
        }
        let decoded = try JSONDecoder().decode(CorpusWriter.Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        XCTAssertEqual(decoded.entries, manifest.entries)
    }

    /// A reproducer is a scenario file the loader reads and the runner runs.
    func testAReproducerLoadsAndRuns() async throws {
        let fuzzer = try RegistrationIDFuzzer(settings: FuzzSettings(seed: 7, budget: .cases(0)))
        let fuzzCase = RegistrationIDCase(index: 0, id: "device$01", origin: "test", transport: .https, credential: .sas)
        let violation = fuzzer.violation(fuzzCase, finding: OracleFinding(kind: .invalidAccepted, requirement: .dpsId002, expected: ["refused"], observed: "status 202"))
        let path = try TemporaryFiles.write(try XCTUnwrap(violation.reproducer), name: "reproducer.yaml")
        let scenarios = try ScenarioLoader.load(file: path)
        XCTAssertEqual(scenarios.map(\.device.registrationID), ["device$01"])
        let catalogue = try RequirementCatalogue.load(path: Checkout.url("Scenarios/requirements.yaml").path)
        let result = await ScenarioRunner(catalogue: catalogue).run(scenarios[0])
        // The fake refuses the ID, as the reproducer expects: the replay passes (against a fake that accepted it, it fails).
        XCTAssertEqual(result.verdicts.map(\.requirement), [.dpsFlowResult001])
        XCTAssertEqual(result.outcome, .pass, result.verdicts.map(\.observed).joined(separator: "\n"))
    }
}

/// A certificate reproducer (literal PEM for the device and the group CA) loads and runs.
final class CertificateReproducerTests: XCTestCase {
    func testACertificateReproducerLoadsAndRuns() async throws {
        let fuzzer = try CertificateFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.mqtt]))
        let sample = try XCTUnwrap(fuzzer.corpus.samples.first { $0.certificateClass == .malformation(.caFlagOnLeaf) && !$0.isControl })
        let violation = fuzzer.violation(sample, transport: .mqtt, index: 0, withoutTLS: false,
                                         finding: OracleFinding(kind: .invalidAccepted, requirement: .dpsAuthX509002, expected: ["refused"], observed: "status 202"))
        let path = try TemporaryFiles.write(try XCTUnwrap(violation.reproducer), name: "certificate-reproducer.yaml")
        let scenarios = try ScenarioLoader.load(file: path)
        XCTAssertEqual(scenarios.map(\.device.registrationID), [sample.registrationID])
        let catalogue = try RequirementCatalogue.load(path: Checkout.url("Scenarios/requirements.yaml").path)
        let result = await ScenarioRunner(catalogue: catalogue).run(scenarios[0])
        // The fake refuses the CA-flagged leaf, as the reproducer expects: the replay passes.
        XCTAssertEqual(result.outcome, .pass, result.verdicts.map(\.observed).joined(separator: "\n"))
        XCTAssertEqual(result.deviceOutcome["errorCode"], String(DPSErrorCode.unauthorized))
    }
}

/// The fake's certificate rules where the fuzzers' oracles leave room: a CA flag on a certificate
/// enrolled individually (as `openssl req -x509` makes every self-signed one) is tolerated; on a
/// leaf issued under a group CA it is refused.
final class CertificateRuleTests: XCTestCase {
    func testACAFlagIsToleratedOnlyOnAnIndividuallyEnrolledCertificate() async throws {
        var random = FuzzRandom(seed: 99)
        let pki = try FuzzPKI(now: Date(), random: &random)
        let key = SeededKey.make(&random)
        var pinned = pki.leafTemplate("pinned-ca-flag", issuer: pki.root, key: key, random: &random)
        pinned.extensions[0] = .basicConstraints(ca: true)
        let pinnedDER = try pinned.signed(by: pki.root.key)
        var grouped = pki.leafTemplate("grouped-ca-flag", issuer: pki.root, key: key, random: &random)
        grouped.extensions[0] = .basicConstraints(ca: true)
        let groupedDER = try grouped.signed(by: pki.root.key)
        let setup = FuzzServiceSetup(profile: .documented, groupCA: pki.root.der, individualX509: [("pinned-ca-flag", pinnedDER)])
        let destination = try await FakeDestination.start(setup)
        let pinnedAnswer = destination.presentDirectly(chain: [pinnedDER], registrationID: "pinned-ca-flag", body: Array("{}".utf8))
        let groupedAnswer = destination.presentDirectly(chain: [groupedDER], registrationID: "grouped-ca-flag", body: Array("{}".utf8))
        await destination.stop()
        XCTAssertEqual(pinnedAnswer, .response(status: 202, errorCode: nil))
        XCTAssertEqual(groupedAnswer, .response(status: 401, errorCode: DPSErrorCode.unauthorized))
    }
}
