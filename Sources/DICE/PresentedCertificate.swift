import SwiftASN1

/// A certificate a device presented, parsed just enough for DICE analysis: the signed bytes,
/// the ECDSA-P256-SHA256 signature, subject CN, public key and the RIoT SAN claim.
///
/// Parsing walks the DER tree from swift-asn1 and never trusts lengths or counts from the input.
public struct PresentedCertificate: Sendable, Hashable {
    /// The whole certificate DER.
    public let der: [UInt8]
    /// The TBSCertificate DER (what the issuer signed).
    public let tbs: [UInt8]
    /// The signature, r and s as 32-byte big-endian values.
    public let signature: ECDSASignatureValue
    /// The issuer Name DER.
    public let issuerName: [UInt8]
    /// The subject Name DER.
    public let subjectName: [UInt8]
    /// The first commonName of the subject, if any.
    public let subjectCommonName: String?
    /// The subject public key, uncompressed `04 || X || Y`.
    public let publicKey: [UInt8]
    /// The extensions in order.
    public let extensions: [CertificateExtension]
    /// The RIoT composite device ID from the subjectAltName (DevKit Alias certificates).
    public let riotClaim: RIoTCompositeDeviceID?
    /// Why a subjectAltName with the RIoT OID could not be read, if that happened.
    public let riotClaimProblem: String?

    /// Whether issuer and subject are the same name (the DeviceID certificate is).
    public var isSelfIssued: Bool { issuerName == subjectName }

    /// Parses one DER certificate; throws `CERTIFICATE_MALFORMED` naming the field at fault.
    public init(der: [UInt8]) throws(DICEError) {
        self.der = der
        let root: ASN1Node
        do { root = try DER.parse(der) } catch {
            throw DICEError(.certificateMalformed, "certificate is not valid DER: \(error)")
        }
        let top = try CertificateDER.children(of: root, "Certificate", expect: .sequence)
        guard top.count == 3 else { throw CertificateDER.malformed("Certificate must have 3 elements, has \(top.count)") }
        tbs = Array(top[0].encodedBytes)
        try CertificateDER.requireECDSAWithSHA256(top[1], "signatureAlgorithm")
        signature = try CertificateDER.ecdsaSignature(top[2])

        var fields = try CertificateDER.children(of: top[0], "tbsCertificate", expect: .sequence)
        if let first = fields.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            fields.removeFirst()  // [0] version
        }
        guard fields.count >= 6 else { throw CertificateDER.malformed("tbsCertificate has \(fields.count) fields after version, needs 6") }
        try CertificateDER.requireECDSAWithSHA256(fields[1], "tbsCertificate.signature")
        issuerName = Array(fields[2].encodedBytes)
        subjectName = Array(fields[4].encodedBytes)
        subjectCommonName = try CertificateDER.commonName(fields[4])
        publicKey = try CertificateDER.p256PublicKey(fields[5], "subjectPublicKeyInfo")
        let extensionsTag = ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific)
        if let wrapper = fields.dropFirst(6).first(where: { $0.identifier == extensionsTag }) {
            extensions = try CertificateDER.extensions(wrapper)
        } else {
            extensions = []
        }
        if let san = extensions.first(where: { $0.oid == RIoTObjectIdentifier.subjectAltName }) {
            do {
                riotClaim = try RIoTCompositeDeviceID(subjectAltNameValue: san.value)
                riotClaimProblem = riotClaim == nil ? "subjectAltName has no RIoT otherName" : nil
            } catch {
                riotClaim = nil
                riotClaimProblem = error.reason
            }
        } else {
            riotClaim = nil
            riotClaimProblem = "no subjectAltName extension"
        }
    }

    /// Parses every `CERTIFICATE` block of a PEM text.
    public static func parseAll(pem: String) throws(DICEError) -> [PresentedCertificate] {
        var out: [PresentedCertificate] = []
        for der in try OneLinePEM.decodeAll(pem, label: .certificate) { out.append(try PresentedCertificate(der: der)) }
        return out
    }

    /// The extension with encoded OID `oid`, if present.
    func `extension`(_ oid: [UInt8]) -> CertificateExtension? { extensions.first { $0.oid == oid } }
}

/// One X.509 extension: its OID (encoded content bytes), criticality and extnValue contents.
public struct CertificateExtension: Sendable, Hashable {
    /// The encoded OID content bytes (e.g. `55 1d 11` for subjectAltName).
    public let oid: [UInt8]
    /// Whether the extension is marked critical.
    public let critical: Bool
    /// The contents of the extnValue OCTET STRING.
    public let value: [UInt8]
}

/// The RIoT claim (OID 1.3.6.1.4.1.311.89.3.1) in a DevKit Alias certificate's SAN: the DeviceID
/// public key that signed it and the FWID of the firmware that runs (RiotX509Bldr.c, microsoft/devkit-sdk).
public struct RIoTCompositeDeviceID: Sendable, Hashable {
    /// The DeviceID public key, `04 || X || Y`.
    public let deviceIdPublicKey: [UInt8]
    /// SHA-256 of riot_fw.
    public let fwid: [UInt8]
    /// True when the otherName value carries the RFC 5280 `[0] EXPLICIT` wrapper the DevKit omits.
    public let hasExplicitWrapper: Bool

    /// Reads the claim from a subjectAltName extnValue; nil when the SAN has no RIoT otherName.
    init?(subjectAltNameValue value: [UInt8]) throws(DICEError) {
        let names: [ASN1Node]
        do { names = try CertificateDER.children(of: try DER.parse(value), "subjectAltName", expect: .sequence) } catch {
            throw DICEError(.certificateMalformed, "subjectAltName is not a DER GeneralNames sequence")
        }
        let otherNameTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        for name in names where name.identifier == otherNameTag {
            guard case .constructed(let collection) = name.content else { continue }
            let parts = Array(collection)
            guard parts.count == 2, CertificateDER.oidBytes(parts[0]) == RIoTObjectIdentifier.riotCompositeDeviceID else { continue }
            var body = parts[1]
            var wrapped = false
            if body.identifier == otherNameTag, case .constructed(let inner) = body.content, let only = Array(inner).first {
                body = only
                wrapped = true
            }
            let fields = try CertificateDER.children(of: body, "RIoT claim", expect: .sequence)
            guard fields.count == 3 else { throw CertificateDER.malformed("RIoT claim has \(fields.count) fields, needs 3") }
            let digest = try CertificateDER.children(of: fields[2], "RIoT FWID", expect: .sequence)
            guard digest.count == 2, CertificateDER.oidBytes(digest[0]) == RIoTObjectIdentifier.sha256,
                  digest[1].identifier == .octetString, case .primitive(let fwid) = digest[1].content, fwid.count == 32 else {
                throw CertificateDER.malformed("RIoT FWID is not SEQ{sha256, OCTET STRING(32)}")
            }
            deviceIdPublicKey = try CertificateDER.p256PublicKey(fields[1], "RIoT DeviceID key")
            self.fwid = Array(fwid)
            hasExplicitWrapper = wrapped
            return
        }
        return nil
    }
}
