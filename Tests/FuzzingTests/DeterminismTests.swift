import Foundation
@testable import Fuzzing
import XCTest

/// The same seed gives the same cases, byte for byte; another seed gives others.
final class DeterminismTests: XCTestCase {
    func testRegistrationIDCasesRepeatForTheSameSeed() {
        let first = (0..<500).map { RegistrationIDCase.make(seed: 42, index: $0, transports: [.mqtt, .https]).canonicalBytes }
        let second = (0..<500).map { RegistrationIDCase.make(seed: 42, index: $0, transports: [.mqtt, .https]).canonicalBytes }
        XCTAssertEqual(first, second)
        let other = (0..<500).map { RegistrationIDCase.make(seed: 43, index: $0, transports: [.mqtt, .https]).canonicalBytes }
        XCTAssertNotEqual(first, other)
    }

    func testCaseDoesNotDependOnTheCasesBeforeIt() {
        XCTAssertEqual(RegistrationIDCase.make(seed: 9, index: 77, transports: [.https]),
                       RegistrationIDCase.make(seed: 9, index: 77, transports: [.https]))
    }

    func testTheGeneratorReachesEveryFamily() {
        let origins = Set((0..<2_000).map { RegistrationIDCase.make(seed: 5, index: $0, transports: [.mqtt]).origin.split(separator: "/")[0] })
        XCTAssertEqual(origins, ["grammar", "length", "class", "special-first", "special-last", "upper-case", "mutation"])
        let cases = (0..<2_000).map { RegistrationIDCase.make(seed: 5, index: $0, transports: [.mqtt, .https]) }
        XCTAssertTrue(cases.contains { $0.credential == .x509 })
        XCTAssertEqual(Set(cases.compactMap(\.disagreement?.place)), Set(IDPlace.allCases))
    }

    /// Certificates: the corpus (classes, IDs, and every TBSCertificate, which holds the seeded
    /// keys) is the same for the same seed and time; only ECDSA signatures, randomised by the
    /// crypto library, differ.
    func testCertificateCorpusRepeatsForTheSameSeed() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try CertificateCorpus.make(seed: 11, now: now)
        let second = try CertificateCorpus.make(seed: 11, now: now)
        XCTAssertEqual(first.samples.map(\.name), second.samples.map(\.name))
        XCTAssertEqual(first.samples.map(\.registrationID), second.samples.map(\.registrationID))
        XCTAssertEqual(first.samples.map { tbs($0.chain[0]) }, second.samples.map { tbs($0.chain[0]) })
        let other = try CertificateCorpus.make(seed: 12, now: now)
        XCTAssertNotEqual(first.samples.map { tbs($0.chain[0]) }, other.samples.map { tbs($0.chain[0]) })
    }

    /// The first element after the outer SEQUENCE's header (the TBS), found even when the outer
    /// length is malformed; its length octets depend on the signature's, so they are skipped.
    private func tbs(_ der: [UInt8]) -> [UInt8] {
        guard der.count > 2 else { return der }
        let start = 2 + (der[1] & 0x80 != 0 ? Int(der[1] & 0x7f) : 0)
        guard let first = DER.read(der, at: start) else { return Array(der.dropFirst(start).prefix(100)) }
        return Array(der[first.headerStart..<first.end])
    }
}
