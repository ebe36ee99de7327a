import DPSCore
import Foundation
import Testing
import VectorChecks
import Verdicts

/// Every vector shipped in Vectors/ passes against the implementation, with one verdict per
/// expected field, and no secret appears in clear in any verdict.
@Suite("Shipped vectors pass")
struct ShippedVectorTests {
    static let files: [VectorFile] = (try? VectorFileLoader.loadAll(paths: [repositoryRoot.appendingPathComponent("Vectors").path])) ?? []

    @Test("Vectors/ holds the DPS and DICE files with every vector of the reference set")
    func inventory() throws {
        let files = try VectorFileLoader.loadAll(paths: [repositoryRoot.appendingPathComponent("Vectors").path])
        let byArea = Dictionary(grouping: files, by: \.area)
        #expect(byArea[.dps]?.flatMap(\.vectors).count == 54)
        #expect(byArea[.dice]?.flatMap(\.vectors).count == 8)
        #expect(files.allSatisfy { $0.schemaVersion == 1 })
        // Observations and the reference's refusals keep their meaning.
        let results = Dictionary(uniqueKeysWithValues: files.flatMap(\.vectors).map { ($0.id, $0.result) })
        #expect(results["docs_dps_token_non_reproducible"] == .invalid)
        #expect(results["response_topic_not_matched"] == .invalid)
        #expect(results["etag_decoding"] == .acceptable)
        #expect(results["pub-06-128-char-id-error"] == .invalid)
        #expect(results["pub-01-docs-uds"] == .valid)
    }

    @Test("every shipped vector passes", arguments: files.flatMap { file in file.vectors.map { ShippedVector(file: file, vector: $0) } })
    func passes(_ item: ShippedVector) {
        let result = VectorVerifier().check(item.vector, in: item.file)
        #expect(result.outcome == .pass, "\(result.id): \(result.verdicts.filter { $0.outcome != .pass })")
        #expect(result.verdicts.count >= item.vector.expectedFieldNames.count)
        #expect(result.id == item.file.area.rawValue + "/" + item.vector.id)
    }

    @Test("the whole run passes and cites only catalogued requirements")
    func run() throws {
        var lines = 0
        let result = VectorVerifier().run(Self.files) { _ in lines += 1 }
        #expect(result.cases.count == 62)
        #expect(lines == 62)
        #expect(!result.failed)
        let cited = Set(result.cases.flatMap { $0.verdicts.map(\.requirement) })
        #expect(cited.isSubset(of: VectorVerifier.requirementIDs))
        #expect(cited.contains(.diceCertBytes001))
        #expect(cited.contains(.dpsAuthSas004))
        #expect(cited.contains(.dpsMqttConn002))
        #expect(cited.contains(.dpsMqttReg002))
        #expect(cited.contains(.dpsFlowResult001))
        for id in VectorVerifier.requirementIDs { #expect(RequirementID.catalogued.contains(id), "\(id) is not catalogued") }
    }

    @Test("secrets never appear in clear in a verdict")
    func secretsRedacted() throws {
        let result = VectorVerifier().run(Self.files)
        let text = result.cases.flatMap { $0.verdicts.flatMap { $0.expected + [$0.observed] } }.joined(separator: "\n")
        for sample in DiceVectorSample.all {
            for name in ["aliasPrivate", "deviceIdPrivate", "cdi", "udsDigest", "aliasSeed"] {
                let secret = try #require(sample.text(name))
                #expect(!text.contains(secret), "\(sample.id) \(name) appears in a verdict")
            }
            // All-zero and all-FF UDS values also occur as public firmware bytes; the others must not appear.
            let uds = sample.inputs.udsHex.lowercased()
            if Set(uds).count > 1 { #expect(!text.contains(uds), "\(sample.id) UDS appears in a verdict") }
        }
        // A SAS signature of the DPS file and the derived device key.
        #expect(!text.contains("+ud87XorDux5D14SI9DOfcPWKTDyl2f1Eps1T7jdkBg="))
        #expect(!text.contains("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc="))
        #expect(text.contains("sig=REDACTED"))
    }
}

struct ShippedVector: Sendable, CustomTestStringConvertible {
    let file: VectorFile
    let vector: TestVector
    var testDescription: String { file.area.rawValue + "/" + vector.id }
}
