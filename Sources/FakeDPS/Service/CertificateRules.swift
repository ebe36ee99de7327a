import SwiftASN1
import X509

/// RFC 5280 rules the service applies to a presented chain beyond signatures and validity
/// (Microsoft Learn concepts-x509-attestation: DPS validates the chain as a TLS server does;
/// RFC 5280 sections 4.1.2.1, 4.2 and 6.1.4). Findings of `dpsconform fuzz certificates`.
enum CertificateRules {
    /// Extensions the service understands; any other marked critical makes the certificate unusable (RFC 5280 section 4.2).
    static let understood: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.nameConstraints, .X509ExtensionID.subjectKeyIdentifier,
        .X509ExtensionID.authorityKeyIdentifier, .X509ExtensionID.authorityInformationAccess,
        [2, 5, 29, 32], [2, 5, 29, 36], [2, 5, 29, 54],  // certificatePolicies, policyConstraints, inhibitAnyPolicy
    ]

    /// The longest X.509 registration ID: the leaf's CN holds it (RFC 5280 appendix A, ub-common-name 64;
    /// Microsoft Learn concepts-x509-attestation).
    static let registrationIDLimit = 64

    /// Why `certificate` is not a well-formed v3 certificate with only understood critical extensions, if it is not.
    static func formProblem(_ certificate: Certificate, _ name: String) -> String? {
        if certificate.version == .v1, !certificate.extensions.isEmpty { return "\(name) is a v1 certificate with extensions" }
        if let unknown = certificate.extensions.first(where: { $0.critical && !understood.contains($0.oid) }) {
            return "\(name) has a critical extension the service does not understand (\(unknown.oid))"
        }
        return nil
    }

    /// Why the leaf cannot authenticate a TLS client (RFC 5280 sections 4.2.1.3, 4.2.1.9, 4.2.1.12), if it cannot.
    /// `enrolledItself`: the certificate is an individual enrollment's own (pinned), where a CA flag
    /// is tolerated: `openssl req -x509` marks every self-signed certificate CA:TRUE, and whether DPS
    /// refuses such an enrolled certificate is unconfirmed.
    static func leafProblem(_ leaf: Certificate, enrolledItself: Bool) -> String? {
        if let problem = formProblem(leaf, "the device certificate") { return problem }
        do {
            if !enrolledItself, case .isCertificateAuthority? = try leaf.extensions.basicConstraints {
                return "the device certificate is a CA certificate"
            }
            if let usage = try leaf.extensions.keyUsage, !usage.digitalSignature { return "the device certificate's key usage lacks digitalSignature" }
            if let purposes = try leaf.extensions.extendedKeyUsage, !purposes.contains(.clientAuth), !purposes.contains(.any) {
                return "the device certificate's extended key usage lacks clientAuth"
            }
        } catch {
            return "an extension of the device certificate does not decode (\(error))"
        }
        return nil
    }

    /// Why `issuer` may not issue what lies below it in the chain (`below`, leaf first; the
    /// intermediates among them count against its path length), if it may not (RFC 5280 section 6.1.4).
    static func issuerProblem(_ issuer: Certificate, below: ArraySlice<Certificate>) -> String? {
        let name = "the issuer '\(issuer.subject)'"
        if let problem = formProblem(issuer, name) { return problem }
        do {
            guard case .isCertificateAuthority(let maxPathLength)? = try issuer.extensions.basicConstraints else {
                return "\(name) is not a CA (basicConstraints CA true is missing)"
            }
            let intermediates = max(0, below.count - 1)
            if let maxPathLength, intermediates > maxPathLength {
                return "\(name) allows \(maxPathLength) intermediate(s) below it, the chain has \(intermediates)"
            }
            if let usage = try issuer.extensions.keyUsage, !usage.keyCertSign { return "\(name)'s key usage lacks keyCertSign" }
            if let constraints = try issuer.extensions.nameConstraints,
               let outside = below.first(where: { !within(constraints, $0.subject) }) {
                return "the subject '\(outside.subject)' is outside the name constraints of \(name)"
            }
        } catch {
            return "an extension of \(name) does not decode (\(error))"
        }
        return nil
    }

    /// Whether `subject` lies in the permitted directory-name subtrees (when there are any) and in no excluded one.
    static func within(_ constraints: NameConstraints, _ subject: DistinguishedName) -> Bool {
        let permitted = constraints.permittedSubtrees.compactMap { name -> DistinguishedName? in
            if case .directoryName(let tree) = name { return tree }
            return nil
        }
        let excluded = constraints.excludedSubtrees.compactMap { name -> DistinguishedName? in
            if case .directoryName(let tree) = name { return tree }
            return nil
        }
        if !permitted.isEmpty, !permitted.contains(where: { subject.starts(with: $0) }) { return false }
        return !excluded.contains { subject.starts(with: $0) }
    }
}
