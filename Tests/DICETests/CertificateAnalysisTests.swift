import Crypto
import Testing
@testable import DICE

@Suite("Presented certificate analysis and nonce-reuse detection")
struct CertificateAnalysisTests {
    static func pub01() throws -> (vector: DiceVector, alias: [UInt8], deviceId: [UInt8]) {
        let vector = try #require(DiceVectorFile.vector("pub-01"))
        let alias = try OneLinePEM.decodeAll(try #require(vector.expectedText("aliasCertPem")))
        let deviceId = try OneLinePEM.decodeAll(try #require(vector.expectedText("deviceIdCertPem")))
        return (vector, try #require(alias.first), try #require(deviceId.first))
    }

    @Test("the pub-01 Alias certificate parses into the vector's values")
    func parsesAlias() throws {
        let (vector, aliasDER, _) = try Self.pub01()
        let alias = try PresentedCertificate(der: aliasDER)
        #expect(hex(alias.tbs) == vector.expectedText("aliasTbsHex"))
        #expect(hex(alias.signature.r) == vector.expectedText("aliasCertSignatureR"))
        #expect(hex(alias.signature.s) == vector.expectedText("aliasCertSignatureS"))
        #expect(alias.subjectCommonName == "mxchip-az3166-dps-01")
        #expect(hex(alias.publicKey) == vector.expectedText("aliasPublic"))
        let claim = try #require(alias.riotClaim)
        #expect(hex(claim.deviceIdPublicKey) == vector.expectedText("deviceIdPublic"))
        #expect(hex(claim.fwid) == vector.expectedText("fwid"))
        #expect(!claim.hasExplicitWrapper)
        #expect(!alias.isSelfIssued)
        #expect(alias.extensions.count == 2)
        #expect(alias.extensions.allSatisfy { $0.critical })
    }

    @Test("the DeviceID certificate is self-issued and has no RIoT claim")
    func parsesDeviceId() throws {
        let (vector, _, deviceIdDER) = try Self.pub01()
        let deviceId = try PresentedCertificate(der: deviceIdDER)
        #expect(deviceId.isSelfIssued)
        #expect(deviceId.subjectCommonName == "devkitdice")
        #expect(hex(deviceId.publicKey) == vector.expectedText("deviceIdPublic"))
        #expect(deviceId.riotClaim == nil)
    }

    @Test("malformed DER is refused", arguments: [[], [0x30, 0x03, 0x02, 0x01], [0x30, 0x00], [0x04, 0x01, 0x00]] as [[UInt8]])
    func malformed(_ der: [UInt8]) {
        #expect { try PresentedCertificate(der: der) } throws: { ($0 as? DICEError)?.code == .certificateMalformed }
    }

    @Test("every truncation of a real certificate is refused without crashing")
    func truncations() throws {
        let (_, aliasDER, _) = try Self.pub01()
        for length in stride(from: 0, to: aliasDER.count, by: 7) {
            #expect(throws: DICEError.self) { try PresentedCertificate(der: Array(aliasDER.prefix(length))) }
        }
    }

    @Test("DICE-NONCE-001: the pub-01 Alias certificate gives away the DeviceID private key")
    func recoversDeviceIdFromAlias() throws {
        let (vector, aliasDER, _) = try Self.pub01()
        let findings = NonceReuseDetector.findings(in: [try PresentedCertificate(der: aliasDER)])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.requirementID == "DICE-NONCE-001")
        #expect(hex(finding.recoveredPrivateKey) == vector.expectedText("deviceIdPrivate"))
        #expect(hex(finding.signerPublicKey) == vector.expectedText("deviceIdPublic"))
        #expect(finding.confirmed)
        #expect(finding.certificateIndices == [0])
        #expect(!finding.description.contains(hex(finding.recoveredPrivateKey)))
    }

    @Test("DICE-NONCE-001 groups the Alias and DeviceID certificates under one key")
    func groupsBySigner() throws {
        let (vector, aliasDER, deviceIdDER) = try Self.pub01()
        let other = try #require(DiceVectorFile.vector("pub-02"))
        let otherAlias = try OneLinePEM.decodeAll(try #require(other.expectedText("aliasCertPem")))[0]
        let list = try [aliasDER, otherAlias, deviceIdDER].map { try PresentedCertificate(der: $0) }
        let findings = NonceReuseDetector.findings(in: list)
        #expect(findings.count == 2)
        #expect(findings.map(\.certificateIndices) == [[0, 2], [1]])
        #expect(hex(findings[0].recoveredPrivateKey) == vector.expectedText("deviceIdPrivate"))
        #expect(hex(findings[1].recoveredPrivateKey) == other.expectedText("deviceIdPrivate"))
    }

    /// Two certificates signed by the pub-01 DeviceID key with one non-DevKit nonce.
    static func sharedNonceCertificates(negateSecond: Bool) throws -> [PresentedCertificate] {
        let (vector, aliasDER, deviceIdDER) = try Self.pub01()
        let key = hexBytes(try #require(vector.expectedText("deviceIdPrivate")))
        let nonce = hexBytes("3b1f0c9e55aa0102030405060708090a0b0c0d0e0f10111213141516171819ff")
        let negated = hexBytes("c4e0f360aa55fefefcfbfaf9f8f7f6f5b1daed9f98078d72e0a5b5ace54b0b52")
        var out: [PresentedCertificate] = []
        for (index, der) in [aliasDER, deviceIdDER].enumerated() {
            let tbs = try PresentedCertificate(der: der).tbs
            let signature = try RIoTFixedNonce.sign(tbs, privateKey: key, nonce: negateSecond && index == 1 ? negated : nonce)
            out.append(try PresentedCertificate(der: RIoTCertificateBuilder.certificate(tbs: tbs, signature: signature)))
        }
        return out
    }

    @Test("DICE-NONCE-002: two signatures sharing a nonce give away the key", arguments: [false, true])
    func recoversFromSharedNonce(negateSecond: Bool) throws {
        let (vector, _, _) = try Self.pub01()
        let certificates = try Self.sharedNonceCertificates(negateSecond: negateSecond)
        #expect(certificates[0].signature.r == certificates[1].signature.r)
        #expect(certificates[0].signature.r != RIoTFixedNonce.signatureR)
        let findings = NonceReuseDetector.findings(in: certificates)
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.requirementID == "DICE-NONCE-002")
        #expect(hex(finding.recoveredPrivateKey) == vector.expectedText("deviceIdPrivate"))
        #expect(finding.certificateIndices == [0, 1])
        #expect(finding.confirmed)
    }

    @Test("DICE-NONCE-002 without a named signer: the key two signatures share is chosen, unconfirmed")
    func sharedNonceWithoutNamedSigner() throws {
        let (vector, aliasDER, _) = try Self.pub01()
        let key = hexBytes(try #require(vector.expectedText("deviceIdPrivate")))
        let nonce = hexBytes("3b1f0c9e55aa0102030405060708090a0b0c0d0e0f10111213141516171819ff")
        // subjectAltName -> issuerAltName removes the RIoT claim; the CN change makes a second message.
        var tbs = try PresentedCertificate(der: aliasDER).tbs
        let san: [UInt8] = [0x06, 0x03, 0x55, 0x1d, 0x11]
        let at = try #require((0...(tbs.count - 5)).first { Array(tbs[$0..<($0 + 5)]) == san })
        tbs[at + 4] = 0x12
        var second = tbs
        let cn = Array("mxchip".utf8)
        let cnAt = try #require((0...(second.count - cn.count)).first { Array(second[$0..<($0 + cn.count)]) == cn })
        second[cnAt] = UInt8(ascii: "n")
        let certificates = try [tbs, second].map { message in
            try PresentedCertificate(der: RIoTCertificateBuilder.certificate(
                tbs: message, signature: try RIoTFixedNonce.sign(message, privateKey: key, nonce: nonce)))
        }
        #expect(certificates.allSatisfy { $0.riotClaim == nil && !$0.isSelfIssued })
        let findings = NonceReuseDetector.findings(in: certificates)
        #expect(findings.count == 1)
        #expect(findings.first.map { hex($0.recoveredPrivateKey) } == vector.expectedText("deviceIdPrivate"))
        #expect(findings.first?.certificateIndices == [0, 1])
        #expect(findings.first?.confirmed == false)
    }

    @Test("random-nonce signatures give no finding")
    func randomNonces() throws {
        let (_, aliasDER, deviceIdDER) = try Self.pub01()
        let key = P256.Signing.PrivateKey()
        let list = try [aliasDER, deviceIdDER].map { der -> PresentedCertificate in
            let tbs = try PresentedCertificate(der: der).tbs
            let raw = Array(try key.signature(for: tbs).rawRepresentation)
            let signature = ECDSASignatureValue(r: Array(raw.prefix(32)), s: Array(raw.suffix(32)))
            return try PresentedCertificate(der: RIoTCertificateBuilder.certificate(tbs: tbs, signature: signature))
        }
        #expect(NonceReuseDetector.findings(in: list).isEmpty)
        #expect(NonceReuseDetector.findings(in: []).isEmpty)
    }
}
