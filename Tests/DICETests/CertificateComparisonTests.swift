import Testing
@testable import DICE

/// A presented Alias certificate against the one expected for a release (UDS, firmware, ID).
@Suite("Comparison with the expected DevKit certificate")
struct CertificateComparisonTests {
    static let uds = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae"
    static let otherUDS = "29e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae"
    static let core: [UInt8] = (0..<200).map { UInt8($0) }
    static let firmware: [UInt8] = (0..<64).map { UInt8(255 - $0) }

    static func release(uds: String = uds, core: [UInt8] = core, firmware: [UInt8] = firmware,
                        id: String = "release-device-1") throws -> DiceInputs {
        DiceInputs(uds: try UniqueDeviceSecret(hex: uds), firmware: try FirmwareRegions(riotCore: core, riotFw: firmware),
                   registrationID: try DevKitRegistrationID(id))
    }

    static func presented(_ inputs: DiceInputs) throws -> [UInt8] {
        try DevKitRIoTProfile().derive(inputs).certificates.get().alias.der
    }

    static func kinds(_ mismatches: [CertificateMismatch]) -> Set<CertificateMismatch.Kind> { Set(mismatches.map(\.kind)) }

    @Test("the certificate of the same release matches exactly")
    func sameRelease() throws {
        #expect(try DevKitCertificateComparison.compare(presentedDER: Self.presented(Self.release()), release: Self.release()).isEmpty)
    }

    @Test("the pub-01 certificate matches the pub-01 release inputs")
    func vectorRelease() throws {
        let vector = try #require(DiceVectorFile.vector("pub-01"))
        let image = try FirmwareImageSynthesis.image(for: vector.inputs.firmware)
        let inputs = DiceInputs(uds: try UniqueDeviceSecret(hex: vector.inputs.udsHex),
                                firmware: try FirmwareRegions(binary: image, mapFile: Array(vector.inputs.map.mapFileText.utf8)),
                                registrationID: try DevKitRegistrationID(vector.inputs.registrationId))
        let der = try OneLinePEM.decodeAll(try #require(vector.expectedText("aliasCertPem")))[0]
        #expect(try DevKitCertificateComparison.compare(presentedDER: der, release: inputs).isEmpty)
    }

    @Test("other riot_fw: wrong FWID and wrong key, same DeviceID")
    func otherFirmware() throws {
        var changed = Self.firmware
        changed[10] ^= 1
        let mismatches = try DevKitCertificateComparison.compare(
            presentedDER: Self.presented(Self.release(firmware: changed)), release: Self.release())
        #expect(Self.kinds(mismatches) == [.firmwareID, .aliasKey])
        #expect(mismatches.first { $0.kind == .firmwareID }?.requirementID == "DICE-CERT-FWID-001")
        #expect(mismatches.first { $0.kind == .aliasKey }?.requirementID == "DICE-CERT-KEY-001")
    }

    @Test("other riot_core: other DeviceID, wrong key and signature, same FWID")
    func otherCore() throws {
        var changed = Self.core
        changed[0] ^= 1
        let mismatches = try DevKitCertificateComparison.compare(
            presentedDER: Self.presented(Self.release(core: changed)), release: Self.release())
        #expect(Self.kinds(mismatches) == [.aliasKey, .deviceIdKey, .signature])
    }

    @Test("other UDS: wrong key, other DeviceID, signature not by the expected DeviceID")
    func otherUDS() throws {
        let mismatches = try DevKitCertificateComparison.compare(
            presentedDER: Self.presented(Self.release(uds: Self.otherUDS)), release: Self.release())
        #expect(Self.kinds(mismatches) == [.aliasKey, .deviceIdKey, .signature])
        #expect(Set(mismatches.map(\.requirementID)) == ["DICE-CERT-KEY-001", "DICE-CERT-DEVID-001", "DICE-CERT-SIG-001"])
    }

    @Test("other registration ID: wrong CN only")
    func otherID() throws {
        let mismatches = try DevKitCertificateComparison.compare(
            presentedDER: Self.presented(Self.release(id: "release-device-2")), release: Self.release())
        #expect(Self.kinds(mismatches) == [.commonName])
        #expect(mismatches.first?.requirementID == "DICE-CERT-CN-001")
        #expect(mismatches.first?.expected == "release-device-1")
        #expect(mismatches.first?.actual == "release-device-2")
    }

    /// Replaces the first occurrence of `old` in `bytes` (same length).
    static func patch(_ bytes: [UInt8], _ old: [UInt8], _ new: [UInt8]) throws -> [UInt8] {
        var out = bytes
        let index = try #require((0...(bytes.count - old.count)).first { Array(bytes[$0..<($0 + old.count)]) == old })
        out.replaceSubrange(index..<(index + old.count), with: new)
        return out
    }

    @Test("missing RIoT subjectAltName is a malformed-extension finding")
    func missingSAN() throws {
        let der = try Self.presented(Self.release())
        // subjectAltName (2.5.29.17) becomes issuerAltName (2.5.29.18): the RIoT claim is gone.
        let patched = try Self.patch(der, [0x06, 0x03, 0x55, 0x1d, 0x11], [0x06, 0x03, 0x55, 0x1d, 0x12])
        let mismatches = DevKitCertificateComparison.compare(presentedDER: patched, expected: try DevKitRIoTProfile().derive(Self.release()))
        #expect(Self.kinds(mismatches) == [.extensions, .signature])
        #expect(mismatches.contains { $0.requirementID == "DICE-CERT-EXT-001" })
    }

    @Test("a non-critical extKeyUsage is a malformed-extension finding")
    func nonCriticalEKU() throws {
        let der = try Self.presented(Self.release())
        let patched = try Self.patch(der, [0x55, 0x1d, 0x25, 0x01, 0x01, 0xff], [0x55, 0x1d, 0x25, 0x01, 0x01, 0x00])
        let mismatches = try DevKitCertificateComparison.compare(presentedDER: patched, release: Self.release())
        #expect(Self.kinds(mismatches) == [.extensions, .signature])
    }

    @Test("garbage is a malformed certificate")
    func garbage() throws {
        let mismatches = try DevKitCertificateComparison.compare(presentedDER: [0x30, 0x82, 0x01], release: Self.release())
        #expect(mismatches.map(\.requirementID) == ["DICE-CERT-DER-001"])
    }

    @Test("a changed serial breaks the signature")
    func changedSerial() throws {
        let der = try Self.presented(Self.release())
        let patched = try Self.patch(der, [0x02, 0x05, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e], [0x02, 0x05, 0x0a, 0x0b, 0x0c, 0x0d, 0x0f])
        let kinds = Self.kinds(try DevKitCertificateComparison.compare(presentedDER: patched, release: Self.release()))
        #expect(kinds == [.signature])
    }

    @Test("a properly signed certificate that is not dps_cert_gen's bytes is an encoding finding")
    func encodingOnly() throws {
        let expected = try DevKitRIoTProfile().derive(Self.release())
        let tbs = try Self.patch(try expected.certificates.get().alias.tbs, Array("170101000000Z".utf8), Array("180101000000Z".utf8))
        let signature = try RIoTFixedNonce.sign(tbs, privateKey: expected.deviceIdKey.privateKey)
        let der = RIoTCertificateBuilder.certificate(tbs: tbs, signature: signature)
        let mismatches = DevKitCertificateComparison.compare(presentedDER: der, expected: expected)
        #expect(mismatches.map(\.requirementID) == ["DICE-CERT-BYTES-001"])
    }
}
