import Crypto
import Testing
@testable import DICE

/// Every known-answer vector, through both input paths, every expected field byte for byte.
@Suite("DevKit RIoT known-answer vectors")
struct DiceVectorTests {
    /// Expected fields that are notes or checked elsewhere, not derivation outputs.
    static let notDerived: Set<String> = ["standardSha256OfUds_notUsed", "dpsCertGenNote", "errorDetail"]

    enum InputPath: String, CaseIterable, Sendable { case directRegions, binAndMap }

    @Test("the vector file is present and complete")
    func vectorFileLoads() throws {
        let file = try DiceVectorFile.load()
        #expect(file.vectors.count == 8)
        #expect(file.vectors.contains { $0.expected["error"] != nil })
    }

    static func derive(_ vector: DiceVector, path: InputPath) throws -> DevKitRIoTDerivation {
        let image = try FirmwareImageSynthesis.image(for: vector.inputs.firmware)
        #expect(hex(SHA256.hash(data: image)) == vector.inputs.firmware.sha256, "synthesised .bin differs from the vector")
        let regions: FirmwareRegions
        switch path {
        case .directRegions:
            let core = Array(image[vector.inputs.riotCore.offset..<(vector.inputs.riotCore.offset + vector.inputs.riotCore.length)])
            let fw = Array(image[vector.inputs.riotFw.offset..<(vector.inputs.riotFw.offset + vector.inputs.riotFw.length)])
            regions = try FirmwareRegions(riotCore: core, riotFw: fw)
        case .binAndMap:
            regions = try FirmwareRegions(binary: image, mapFile: Array(vector.inputs.map.mapFileText.utf8))
        }
        #expect(hex(SHA256.hash(data: regions.riotCore)) == vector.inputs.riotCore.sha256)
        #expect(hex(SHA256.hash(data: regions.riotFw)) == vector.inputs.riotFw.sha256)
        let inputs = DiceInputs(uds: try UniqueDeviceSecret(hex: vector.inputs.udsHex), firmware: regions,
                                registrationID: try DevKitRegistrationID(vector.inputs.registrationId))
        #expect(hex(inputs.uds.bytes) == vector.inputs.udsBytesHex)
        return try DevKitRIoTProfile().derive(inputs)
    }

    @Test("every expected field matches", arguments: DiceVectorFile.all, InputPath.allCases)
    func vectorMatches(_ vector: DiceVector, path: InputPath) throws {
        let derivation = try Self.derive(vector, path: path)
        let values = derivation.namedValues
        var compared = 0
        for (name, expected) in vector.expected where !Self.notDerived.contains(name) {
            let actual = values.value(named: name)
            #expect(actual == expected.asText, "\(vector.id) [\(path)] field \(name)")
            compared += 1
        }
        #expect(compared >= 16, "too few expected fields compared")
        // No certificate field may appear that the vector does not have (pub-06 has none).
        let certificateFields = ["aliasTbsHex", "aliasCertPem", "deviceIdTbsHex", "deviceIdCertPem",
                                 "deviceIdPublicPem", "aliasKeyPem", "aliasCertSignatureR"]
        for name in certificateFields {
            #expect((values.value(named: name) != nil) == (vector.expected[name] != nil), "\(vector.id) field \(name) presence")
        }
        // The .pem file dps_cert_gen writes, byte for byte.
        let pemFile = try #require(vector.expectedText("dpsCertGenPemFile"))
        #expect(Array(derivation.dpsCertGenPemFile.utf8) == Array(pemFile.utf8))
    }

    @Test("the error vector reports ALIAS_TBS_ENCODING_FAILED and still derives keys")
    func errorVector() throws {
        let vector = try #require(DiceVectorFile.vector("pub-06"))
        let derivation = try Self.derive(vector, path: .binAndMap)
        #expect(derivation.certificateFailure?.code == .aliasTBSEncodingFailed)
        #expect(derivation.aliasCertificatePEM == nil)
        #expect(derivation.dpsCertGenPemFile.isEmpty)
        #expect(hex(derivation.aliasKey.privateKey) == vector.expectedText("aliasPrivate"))
        #expect(vector.expectedText("error") == DICEError.Code.aliasTBSEncodingFailed.rawValue)
    }

    @Test("typed certificate fields agree with the vectors", arguments: DiceVectorFile.all.filter { $0.expected["error"] == nil })
    func typedFields(_ vector: DiceVector) throws {
        let set = try Self.derive(vector, path: .directRegions).certificates.get()
        #expect(set.alias.der.count == Int(vector.expectedText("aliasCertDerLength") ?? ""))
        #expect(hex(SHA256.hash(data: set.alias.der)) == vector.expectedText("aliasCertDerSha256"))
        #expect(hex(SHA256.hash(data: set.deviceId.der)) == vector.expectedText("deviceIdCertDerSha256"))
        #expect(hex(set.alias.signature.s) == vector.expectedText("aliasCertSignatureS"))
        #expect(set.alias.pem.split(separator: "\n").count == 3, "PEM base64 must be one line")
    }

    @Test("standard SHA-256 of the UDS is not the DICE digest", arguments: DiceVectorFile.all)
    func standardSha256OfUds_notUsed(_ vector: DiceVector) throws {
        let uds = try UniqueDeviceSecret(hex: vector.inputs.udsHex)
        let standard = hex(SHA256.hash(data: uds.bytes))
        #expect(standard == vector.expectedText("standardSha256OfUds_notUsed"))
        #expect(standard != vector.expectedText("udsDigest"))
        #expect(hex(DiceHash.digest(uds.bytes)) == vector.expectedText("udsDigest"))
    }
}
