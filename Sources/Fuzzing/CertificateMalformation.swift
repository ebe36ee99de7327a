import DPSCore

/// The malformation classes of X.509 client certificates and chains the certificate fuzzer
/// presents (RFC 5280; ITU-T X.690; Microsoft Learn concepts-x509-attestation). Each has a
/// well-formed control made the same way, which must be accepted.
public enum CertificateMalformation: String, Sendable, Hashable, CaseIterable, Codable {
    // Validity (RFC 5280 section 4.1.2.5)
    case expired = "validity/expired"
    case notYetValid = "validity/not-yet-valid"
    case validityReversed = "validity/not-after-before-not-before"
    case generalizedTimeBefore2050 = "validity/generalized-time-before-2050"
    // Subject CN (Microsoft Learn concepts-x509-attestation: CN = registration ID)
    case commonNameMissing = "cn/missing"
    case commonNameEmpty = "cn/empty"
    case commonNameDuplicated = "cn/duplicated"
    case commonNameDiffers = "cn/differs-from-registration-id"
    case commonNameUpperCase = "cn/upper-case-of-registration-id"
    case commonName65 = "cn/65-characters"
    case commonNameTrailingNUL = "cn/trailing-nul"
    case commonNamePrintableString = "cn/printable-string"
    // Purpose (RFC 5280 sections 4.2.1.3, 4.2.1.9, 4.2.1.12)
    case keyUsageWithoutDigitalSignature = "usage/key-usage-without-digital-signature"
    case extendedKeyUsageServerOnly = "usage/eku-server-auth-only"
    case caFlagOnLeaf = "usage/ca-flag-on-leaf"
    case unknownCriticalExtension = "extensions/unknown-critical"
    case unknownNonCriticalExtension = "extensions/unknown-non-critical"
    case duplicateExtension = "extensions/duplicate-basic-constraints"
    case malformedExtensionValue = "extensions/key-usage-not-a-bit-string"
    // Signature
    case badSignature = "signature/flipped-bit"
    case signedByOtherKey = "signature/other-key-same-issuer-name"
    case signatureAlgorithmMismatch = "signature/outer-and-inner-algorithm-differ"
    case signatureSHA1 = "signature/ecdsa-with-sha1"
    case issuerNameMismatch = "signature/issuer-name-not-the-ca"
    // Keys
    case curveSecp256k1 = "key/unsupported-curve-secp256k1"
    case curveP192 = "key/weak-curve-p192"
    case weakRSA512 = "key/weak-rsa-512"
    case pointNotOnCurve = "key/point-not-on-curve"
    // Encoding (ITU-T X.690 section 10)
    case truncated = "der/truncated"
    case trailingBytes = "der/over-long-trailing-bytes"
    case outerLengthTooLong = "der/bad-length-too-long"
    case outerLengthTooShort = "der/bad-length-too-short"
    case indefiniteLength = "der/indefinite-length"
    case nonMinimalLength = "der/non-minimal-length"
    case versionFour = "der/version-4"
    case version1WithExtensions = "der/v1-with-extensions"
    // Serial numbers (RFC 5280 section 4.1.2.2)
    case serialHuge = "serial/21-octets"
    case serialNegative = "serial/negative"
    case serialZero = "serial/zero"
    case serialNonMinimal = "serial/non-minimal-encoding"
    // Chains (Microsoft Learn concepts-x509-attestation, DPS device chain requirements)
    case missingIntermediate = "chain/missing-intermediate"
    case misorderedIntermediates = "chain/misordered-intermediates"
    case chainLoop = "chain/loop"
    case selfSignedLeaf = "chain/self-signed-leaf-against-group-ca"
    case unenrolledCA = "chain/issued-by-unenrolled-ca"
    case intermediateNotCA = "chain/intermediate-not-ca"
    case intermediateWithoutBasicConstraints = "chain/intermediate-without-basic-constraints"
    case intermediateWithoutKeyCertSign = "chain/intermediate-without-key-cert-sign"
    case intermediateExpired = "chain/intermediate-expired"
    case pathLengthExceeded = "chain/path-length-exceeded"
    case nameConstraintsViolated = "chain/name-constraints-violated"

    /// What every service must do with it (Wycheproof's valid / invalid / acceptable).
    public var expected: IDVerdict {
        switch self {
        // RFC 5280 tells relying parties to tolerate these, or DPS's rule is unconfirmed.
        case .generalizedTimeBefore2050, .commonNameUpperCase, .commonNamePrintableString, .signatureSHA1,
             .serialHuge, .serialNegative, .serialZero, .misorderedIntermediates:
            return .acceptable
        case .unknownNonCriticalExtension:
            return .valid
        default:
            return .invalid
        }
    }

    /// The rule an acceptance of it breaks.
    public var requirement: RequirementID {
        switch self {
        case .commonNameMissing, .commonNameEmpty, .commonNameDuplicated, .commonNameDiffers, .commonNameUpperCase,
             .commonName65, .commonNameTrailingNUL, .commonNamePrintableString:
            return .dpsAuthX509001
        default:
            return .dpsAuthX509002
        }
    }

    /// Whether the case's chain goes through the run's intermediate CA (leaf, intermediate).
    var usesIntermediate: Bool {
        switch self {
        case .missingIntermediate, .misorderedIntermediates, .chainLoop, .intermediateNotCA, .intermediateWithoutBasicConstraints,
             .intermediateWithoutKeyCertSign, .intermediateExpired, .pathLengthExceeded, .nameConstraintsViolated:
            return true
        default:
            return false
        }
    }
}

/// A class of the corpus: a malformation of an ordinary certificate, or a flipped bit in one field
/// of a DevKit DICE Alias certificate; controls have no malformation.
public enum CertificateClass: Sendable, Hashable, Codable {
    case malformation(CertificateMalformation)
    /// A bit flipped in the named field of the DevKit Alias certificate (microsoft/devkit-sdk RiotX509Bldr.c).
    case diceAliasFlip(field: String)

    public var name: String {
        switch self {
        case .malformation(let malformation): malformation.rawValue
        case .diceAliasFlip(let field): "dice-alias/flipped-bit-in-\(field)"
        }
    }

    public var expected: IDVerdict {
        switch self {
        case .malformation(let malformation): malformation.expected
        case .diceAliasFlip: .invalid
        }
    }

    public var requirement: RequirementID {
        switch self {
        case .malformation(let malformation): malformation.requirement
        case .diceAliasFlip(let field): field.hasPrefix("subject") ? .dpsAuthX509001 : .dpsAuthX509002
        }
    }
}
