import Crypto
import DICE
import DPSCore
import Foundation

/// DevKit DICE checks on the certificates a device presented in its TLS handshakes (recorded in
/// the transcript as CERTIFICATE events): comparison with the release's expected Alias
/// certificate, and ECDSA nonce reuse.
enum DiceChecks {
    static let all: [any ConformanceCheck] = [
        comparison(.aliasKey, .diceCertKey001), comparison(.deviceIdKey, .diceCertDevid001), comparison(.firmwareID, .diceCertFwid001),
        comparison(.commonName, .diceCertCn001), comparison(.extensions, .diceCertExt001), comparison(.signature, .diceCertSig001),
        comparison(.malformedCertificate, .diceCertDer001), comparison(.encoding, .diceCertBytes001),
        nonce(.fixedDevKitNonce, .diceNonce001), nonce(.sharedNonce, .diceNonce002),
    ]

    /// Leaf certificates the device presented, in order.
    static func presentedLeaves(_ view: TranscriptView) -> [(sequence: Int, der: [UInt8])] {
        view.events.filter { $0.certificate?.isLeaf ?? false }.map { ($0.sequence, Array($0.raw)) }
    }

    /// One check per mismatch kind of `DevKitCertificateComparison`; the DICE module names the
    /// requirement as text, and a test holds the two tables together.
    static func comparison(_ kind: CertificateMismatch.Kind, _ requirement: RequirementID) -> TranscriptCheck {
        TranscriptCheck(requirement) { context in
            guard let expected = context.scenario.expect.diceRelease else { return .skip("no firmware release to compare with (expect.diceRelease)") }
            let leaves = presentedLeaves(context.view)
            guard !leaves.isEmpty else { return .skip("the device presented no client certificate") }
            let wanted = ["the certificate the release derives for \(expected.inputs.registrationID.value): \(kind.rawValue) as expected"]
            for leaf in leaves {
                let mismatches: [CertificateMismatch]
                do {
                    mismatches = try DevKitCertificateComparison.compare(presentedDER: leaf.der, release: expected.inputs)
                } catch {
                    return .fail(wanted, "the release cannot be derived: \(error)", [leaf.sequence])
                }
                if let mismatch = mismatches.first(where: { $0.kind == kind }) {
                    return .fail(["\(kind.rawValue) \(mismatch.expected)"], "\(kind.rawValue) \(mismatch.actual)", [leaf.sequence])
                }
            }
            return .pass(wanted, "\(leaves.count) certificate(s) match", leaves.map(\.sequence))
        }
    }

    /// DICE-NONCE-001 / -002: no signature uses the fixed nonce / shares a nonce. The recovered
    /// private key is a secret: reports name only the public key it belongs to and a fingerprint.
    static func nonce(_ kind: NonceReuseFinding.Kind, _ requirement: RequirementID) -> TranscriptCheck {
        TranscriptCheck(requirement) { context in
            let recorded = context.view.events.filter { $0.certificate != nil }
            let certificates = recorded.compactMap { try? PresentedCertificate(der: Array($0.raw)) }
            guard !certificates.isEmpty else { return .skip("the device presented no certificate") }
            let expected = [kind == .fixedDevKitNonce ? "no signature made with the reference's fixed nonce k" : "no two signatures sharing a nonce"]
            guard let finding = NonceReuseDetector.findings(in: certificates).first(where: { $0.kind == kind }) else {
                return .pass(expected, "\(certificates.count) signature(s) examined")
            }
            let fingerprint = SHA256.hash(data: finding.recoveredPrivateKey).prefix(4).map { String(format: "%02x", $0) }.joined()
            let signer = finding.signerPublicKey.prefix(9).map { String(format: "%02x", $0) }.joined()
            return .fail(expected, "signing key recovered from the signature(s) (public key \(signer)…, private-key fingerprint \(fingerprint)\(finding.confirmed ? ", confirmed" : ""))",
                         recorded.map(\.sequence))
        }
    }
}
