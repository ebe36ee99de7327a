import DICE

/// A DevKit DICE Alias certificate (dps_cert_gen, microsoft/devkit-sdk RiotX509Bldr.c), enrolled
/// individually, and copies of it with one bit flipped in each field: every flip must be refused
/// (the enrolled certificate is byte for byte the one the device must present), the original accepted.
enum DiceAliasFlips {
    static let registrationID = "dice-alias-fuzz-01"

    static func samples() throws -> (samples: [CertificateSample], registrationID: String, enrolled: [UInt8]) {
        let uds = try UniqueDeviceSecret(bytes: Array(0x10..<0x30))
        let firmware = try FirmwareRegions(riotCore: Array("dpsconform fuzz riot_core".utf8), riotFw: Array("dpsconform fuzz riot_fw".utf8))
        let inputs = DiceInputs(uds: uds, firmware: firmware, registrationID: try DevKitRegistrationID(registrationID))
        let set = try DevKitRIoTProfile().derive(inputs).certificates.get()
        let original = set.alias.der
        var samples = [CertificateSample(certificateClass: .diceAliasFlip(field: "none"), isControl: true, registrationID: registrationID,
                                         chain: [original], leafKeyPEM: set.aliasKeyPEM)]
        for (field, element) in fields(original) where element.contentLength > 0 {
            var flipped = original
            flipped[element.end - 1] ^= 0x01
            samples.append(CertificateSample(certificateClass: .diceAliasFlip(field: field), isControl: false, registrationID: registrationID,
                                             chain: [flipped], leafKeyPEM: set.aliasKeyPEM))
        }
        return (samples, registrationID, original)
    }

    /// The fields of a certificate, named, with where their contents lie.
    static func fields(_ der: [UInt8]) -> [(String, DER.Element)] {
        guard let outer = DER.read(der, at: 0) else { return [] }
        let top = DER.children(der, of: outer)
        guard top.count == 3 else { return [] }
        var named: [(String, DER.Element)] = []
        let tbsFields = DER.children(der, of: top[0])
        var names = ["serial", "tbs-signature-algorithm", "issuer", "validity", "subject", "subject-public-key"]
        if tbsFields.first?.tag == 0xa0 { names.insert("version", at: 0) }
        for (index, element) in tbsFields.enumerated() {
            if index < names.count {
                named.append((names[index], element))
            } else if element.tag == 0xa3, let list = DER.children(der, of: element).first {
                for (number, extensionElement) in DER.children(der, of: list).enumerated() {
                    named.append(("extension-\(number + 1)", extensionElement))
                }
            }
        }
        named.append(("signature-algorithm", top[1]))
        named.append(("signature", top[2]))
        return named
    }
}
