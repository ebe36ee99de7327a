/// One way a presented DevKit Alias certificate differs from the one expected for a release.
public struct CertificateMismatch: Sendable, Hashable, CustomStringConvertible {
    /// What differs; each kind has a stable requirement ID.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Not the DER of an ECDSA-P256-SHA256 certificate at all.
        case malformedCertificate
        /// The Alias public key differs (other UDS, riot_core or riot_fw).
        case aliasKey
        /// The DeviceID key in the RIoT claim differs (other UDS or riot_core).
        case deviceIdKey
        /// The FWID differs (other riot_fw, i.e. other firmware).
        case firmwareID
        /// The subject CN is not the registration ID.
        case commonName
        /// The EKU or RIoT subjectAltName is missing, malformed or not as the DevKit writes it.
        case extensions
        /// The signature does not verify under the expected DeviceID key.
        case signature
        /// Every checked field matches but the DER is not the one dps_cert_gen writes.
        case encoding

        /// The stable requirement ID of this kind.
        public var requirementID: String {
            switch self {
            case .malformedCertificate: return "DICE-CERT-DER-001"
            case .aliasKey: return "DICE-CERT-KEY-001"
            case .deviceIdKey: return "DICE-CERT-DEVID-001"
            case .firmwareID: return "DICE-CERT-FWID-001"
            case .commonName: return "DICE-CERT-CN-001"
            case .extensions: return "DICE-CERT-EXT-001"
            case .signature: return "DICE-CERT-SIG-001"
            case .encoding: return "DICE-CERT-BYTES-001"
            }
        }
    }

    public let kind: Kind
    /// The stable requirement ID (``Kind/requirementID``).
    public var requirementID: String { kind.requirementID }
    /// The expected value (public data only).
    public let expected: String
    /// What the certificate carries (public data only).
    public let actual: String

    public var description: String { "\(requirementID) \(kind.rawValue): expected \(expected), got \(actual)" }
}

/// Compares the Alias certificate a device presents with the one a release must produce
/// (given UDS, riot_core, riot_fw and registration ID), naming every difference.
public enum DevKitCertificateComparison {
    /// Derives the expected values for `release`, then compares.
    public static func compare(presentedDER: [UInt8], release: DiceInputs) throws(DICEError) -> [CertificateMismatch] {
        compare(presentedDER: presentedDER, expected: try DevKitRIoTProfile().derive(release))
    }

    /// Compares against an existing derivation. An empty result means the certificate is exactly
    /// what dps_cert_gen writes for that release.
    public static func compare(presentedDER: [UInt8], expected: DevKitRIoTDerivation) -> [CertificateMismatch] {
        let presented: PresentedCertificate
        do { presented = try PresentedCertificate(der: presentedDER) } catch {
            return [CertificateMismatch(kind: .malformedCertificate, expected: "ECDSA-P256-SHA256 X.509 DER", actual: error.reason)]
        }
        var out: [CertificateMismatch] = []
        func differ(_ kind: CertificateMismatch.Kind, _ expected: String, _ actual: String) {
            out.append(CertificateMismatch(kind: kind, expected: expected, actual: actual))
        }
        if presented.publicKey != expected.aliasKey.publicKey {
            differ(.aliasKey, hexString(expected.aliasKey.publicKey), hexString(presented.publicKey))
        }
        if presented.subjectCommonName != expected.registrationID.value {
            differ(.commonName, expected.registrationID.value, presented.subjectCommonName ?? "<no CN>")
        }
        if let claim = presented.riotClaim {
            if claim.deviceIdPublicKey != expected.deviceIdKey.publicKey {
                differ(.deviceIdKey, hexString(expected.deviceIdKey.publicKey), hexString(claim.deviceIdPublicKey))
            }
            if claim.fwid != expected.fwid {
                differ(.firmwareID, hexString(expected.fwid), hexString(claim.fwid))
            }
            if claim.hasExplicitWrapper {
                differ(.extensions, "RIoT otherName without [0] EXPLICIT wrapper (DevKit form)", "wrapped otherName value")
            }
        } else {
            differ(.extensions, "critical subjectAltName with the RIoT claim", presented.riotClaimProblem ?? "no RIoT claim")
        }
        out += extensionMismatches(presented)
        if !NonceReuseDetector.verifies(presented, publicKey: expected.deviceIdKey.publicKey) {
            differ(.signature, "signature by DeviceID key \(hexString(expected.deviceIdKey.publicKey))",
                   "signature that does not verify under it")
        }
        if out.isEmpty {
            let reference = (try? expected.certificates.get())?.alias.der
            if reference != presentedDER {
                differ(.encoding, reference.map { "DER with SHA-256 \(hexString(sha256($0)))" } ?? "no certificate (ID not encodable)",
                       "DER with SHA-256 \(hexString(sha256(presentedDER)))")
            }
        }
        return out
    }

    /// EKU clientAuth and SAN must be present and critical, as `X509GetAliasCertTBS` writes them.
    static func extensionMismatches(_ presented: PresentedCertificate) -> [CertificateMismatch] {
        var out: [CertificateMismatch] = []
        let clientAuthOnly = DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.clientAuth))
        if let eku = presented.extension(RIoTObjectIdentifier.extendedKeyUsage) {
            if eku.value != clientAuthOnly || !eku.critical {
                out.append(CertificateMismatch(kind: .extensions, expected: "critical extKeyUsage clientAuth",
                                               actual: "extKeyUsage \(eku.critical ? "critical" : "not critical") \(hexString(eku.value))"))
            }
        } else {
            out.append(CertificateMismatch(kind: .extensions, expected: "critical extKeyUsage clientAuth", actual: "no extKeyUsage"))
        }
        if let san = presented.extension(RIoTObjectIdentifier.subjectAltName), !san.critical {
            out.append(CertificateMismatch(kind: .extensions, expected: "critical subjectAltName", actual: "subjectAltName not critical"))
        }
        return out
    }

    private static func sha256(_ bytes: [UInt8]) -> [UInt8] { DevKitCertificateDigest.sha256(bytes) }
}
