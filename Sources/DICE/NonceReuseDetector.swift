import Crypto

/// A private key exposed because ECDSA nonces were fixed or reused (RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk).
public struct NonceReuseFinding: Sendable, Hashable, CustomStringConvertible {
    /// How the nonce was learnt.
    public enum Kind: String, Sendable, Hashable {
        /// r equals the r of the DevKit's constant k = 0x0102…1f20 (`DICE-NONCE-001`).
        case fixedDevKitNonce
        /// Two signatures share r, so k (and then d) follows from them (`DICE-NONCE-002`).
        case sharedNonce
    }

    /// `DICE-NONCE-001` for the fixed DevKit nonce, `DICE-NONCE-002` for reuse across signatures.
    public var requirementID: String {
        switch kind {
        case .fixedDevKitNonce: return "DICE-NONCE-001"
        case .sharedNonce: return "DICE-NONCE-002"
        }
    }
    public let kind: Kind
    /// Indices (into the analysed list) of the certificates signed with the recovered key.
    public let certificateIndices: [Int]
    /// The recovered signing key, 32 bytes big-endian. Secret: never log it.
    public let recoveredPrivateKey: [UInt8]
    /// The public key of the recovered private key, `04 || X || Y` (identifies the signer).
    public let signerPublicKey: [UInt8]
    /// True when every listed certificate names ``signerPublicKey`` as its signer (RIoT claim
    /// or self-issued) and its signature verifies under it.
    public let confirmed: Bool

    /// Redacted summary (the recovered key is not shown).
    public var description: String {
        "\(requirementID): signing key recovered from certificate(s) \(certificateIndices) "
            + "(signer public key \(hexString(signerPublicKey)), \(confirmed ? "confirmed" : "unconfirmed"))"
    }
}

/// Finds certificates whose ECDSA nonce is known or shared, and recovers their signing keys:
/// with k known, d = (s·k − e)·r⁻¹ mod n; with two signatures sharing k, k = (e₁−e₂)/(s₁−s₂).
public enum NonceReuseDetector {
    /// Cap on pair attempts per shared-r group (different signers sharing k defeat pairing).
    static let maximumPairAttempts = 64

    struct Signed {
        let index: Int
        let e: UInt256
        let r: UInt256
        let s: UInt256
        let certificate: PresentedCertificate
    }

    /// Analyses `certificates` (e.g. every certificate a device or a fleet presented).
    public static func findings(in certificates: [PresentedCertificate]) -> [NonceReuseFinding] {
        var groups: [UInt256: [Signed]] = [:]
        var order: [UInt256] = []
        for (index, certificate) in certificates.enumerated() {
            guard let r = UInt256(bigEndian: certificate.signature.r), let s = UInt256(bigEndian: certificate.signature.s),
                  !r.isZero, r < P256ScalarField.order, !s.isZero, s < P256ScalarField.order else { continue }
            let signed = Signed(index: index, e: RIoTFixedNonce.messageRepresentative(certificate.tbs), r: r, s: s,
                                certificate: certificate)
            if groups[r] == nil { order.append(r) }
            groups[r, default: []].append(signed)
        }
        var out: [NonceReuseFinding] = []
        for r in order {
            guard let group = groups[r] else { continue }
            if r == RIoTFixedNonce.r {
                out += recover(group, nonce: RIoTFixedNonce.k, kind: .fixedDevKitNonce)
            } else if group.count >= 2, let k = sharedNonce(group) {
                out += recover(group, nonce: k, kind: .sharedNonce)
            }
        }
        return out
    }

    /// Finds k from a pair in the group whose candidate nonce really gives r = x(k·G).
    static func sharedNonce(_ group: [Signed]) -> UInt256? {
        var attempts = 0
        for i in 0..<group.count {
            for j in (i + 1)..<group.count {
                guard attempts < maximumPairAttempts else { return nil }
                attempts += 1
                let a = group[i], b = group[j]
                // Same k: k = (e1 - e2)/(s1 - s2). One used -k (same r): k = (e1 - e2)/(s1 + s2).
                let numerator = P256ScalarField.subtract(a.e, b.e)
                for denominator in [P256ScalarField.subtract(a.s, b.s), P256ScalarField.add(a.s, b.s)] {
                    guard let inverse = P256ScalarField.inverse(denominator) else { continue }
                    let k = P256ScalarField.multiply(numerator, inverse)
                    if !k.isZero, rOfNonce(k) == a.r { return k }
                }
            }
        }
        return nil
    }

    /// x(k·G) mod n.
    static func rOfNonce(_ k: UInt256) -> UInt256? {
        guard let point = try? RIoTKeyDerivation.publicPoint(ofPrivateKey: k.bigEndianBytes), point.count == 65,
              let x = UInt256(bigEndian: point[1..<33]) else { return nil }
        return P256ScalarField.reduce(x)
    }

    /// d = (s·k − e)·r⁻¹ for every signature, grouped by signing key.
    ///
    /// k and −k give the same r, and each yields a key under which the signature verifies, so
    /// one signature alone cannot tell them apart. The key is chosen as the one the certificate
    /// names as its signer (RIoT claim or self-issued SPKI), else the one other signatures share,
    /// else the one from k as given (exact for the DevKit's fixed nonce).
    static func recover(_ group: [Signed], nonce k: UInt256, kind: NonceReuseFinding.Kind) -> [NonceReuseFinding] {
        let negated = P256ScalarField.negate(k)
        let candidates: [[UInt256]] = group.map { signed in
            guard let rInverse = P256ScalarField.inverse(signed.r) else { return [] }
            return [k, negated].map { nonce in
                P256ScalarField.multiply(P256ScalarField.subtract(P256ScalarField.multiply(signed.s, nonce), signed.e), rInverse)
            }.filter { !$0.isZero }
        }
        var occurrences: [UInt256: Int] = [:]
        for list in candidates { for d in Set(list) { occurrences[d, default: 0] += 1 } }

        var byKey: [UInt256: (indices: [Int], confirmed: Bool, publicKey: [UInt8])] = [:]
        var keyOrder: [UInt256] = []
        for (signed, list) in zip(group, candidates) {
            let keys = list.compactMap { d in (try? RIoTKeyDerivation.publicPoint(ofPrivateKey: d.bigEndianBytes)).map { (d, $0) } }
            let named = namedSigner(signed.certificate)
            let choice = keys.first { named != nil && $0.1 == named }
                ?? keys.max { (occurrences[$0.0] ?? 0) < (occurrences[$1.0] ?? 0) }
            guard let (d, publicKey) = choice else { continue }
            let confirmed = named == publicKey && verifies(signed.certificate, publicKey: publicKey)
            var entry = byKey[d] ?? ([], true, publicKey)
            if byKey[d] == nil { keyOrder.append(d) }
            entry.indices.append(signed.index)
            entry.confirmed = entry.confirmed && confirmed
            byKey[d] = entry
        }
        return keyOrder.compactMap { d in
            guard let entry = byKey[d] else { return nil }
            return NonceReuseFinding(kind: kind, certificateIndices: entry.indices, recoveredPrivateKey: d.bigEndianBytes,
                                     signerPublicKey: entry.publicKey, confirmed: entry.confirmed)
        }
    }

    /// The signer key a certificate itself names: the DeviceID key of a RIoT claim, or its own
    /// key when self-issued.
    static func namedSigner(_ certificate: PresentedCertificate) -> [UInt8]? {
        if let claim = certificate.riotClaim { return claim.deviceIdPublicKey }
        return certificate.isSelfIssued ? certificate.publicKey : nil
    }

    /// Whether `certificate`'s signature verifies over its TBS under `publicKey` (swift-crypto).
    static func verifies(_ certificate: PresentedCertificate, publicKey: [UInt8]) -> Bool {
        guard let key = try? P256.Signing.PublicKey(x963Representation: publicKey),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: certificate.signature.r + certificate.signature.s)
        else { return false }
        return key.isValidSignature(signature, for: certificate.tbs)
    }
}
