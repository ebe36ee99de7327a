import Crypto

/// An ECDSA-P256-SHA256 signature as two 32-byte big-endian integers.
public struct ECDSASignatureValue: Sendable, Hashable {
    /// r, 32 bytes big-endian.
    public let r: [UInt8]
    /// s, 32 bytes big-endian.
    public let s: [UInt8]

    /// A signature from its two 32-byte big-endian halves.
    public init(r: [UInt8], s: [UInt8]) {
        self.r = r
        self.s = s
    }
}

/// ECDSA as the DevKit does it (`RiotCrypt_Sign` → `ECDSA_sign`, RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk): the nonce is
/// the constant k = 0x0102…1f20 because `get_random_bytes` writes `len, len-1, …, 1`.
/// r is therefore the same for every signature; k·G and k^-1 are computed once and cached.
public enum RIoTFixedNonce {
    /// The constant nonce k, 32 bytes big-endian.
    public static let nonce: [UInt8] = Array(1...32)

    static let k = UInt256(bigEndian: nonce) ?? .zero
    /// k^-1 mod n.
    static let kInverse: UInt256? = P256ScalarField.inverse(k)
    /// r = x(k·G) mod n, from swift-crypto's public key of the scalar k.
    static let r: UInt256? = {
        guard let point = try? RIoTKeyDerivation.publicPoint(ofPrivateKey: nonce), point.count == 65 else { return nil }
        return UInt256(bigEndian: point[1..<33]).map(P256ScalarField.reduce)
    }()

    /// The r every DevKit signature carries, 32 bytes big-endian (nil only if P-256 is unavailable).
    public static var signatureR: [UInt8]? { r?.bigEndianBytes }

    /// Signs `message` (the TBS DER) with the big-endian private key `privateKey`.
    static func sign(_ message: [UInt8], privateKey: [UInt8]) throws(DICEError) -> ECDSASignatureValue {
        guard let r, let kInverse else {
            throw DICEError(.signatureDegenerate, "fixed-nonce constants unavailable")
        }
        return try sign(message, privateKey: privateKey, r: r, kInverse: kInverse)
    }

    /// ECDSA with a caller-chosen nonce (used to build nonce-reuse test material).
    static func sign(_ message: [UInt8], privateKey: [UInt8], nonce: [UInt8]) throws(DICEError) -> ECDSASignatureValue {
        guard let k = UInt256(bigEndian: nonce), let kInverse = P256ScalarField.inverse(k),
              let point = try? RIoTKeyDerivation.publicPoint(ofPrivateKey: nonce), point.count == 65,
              let x = UInt256(bigEndian: point[1..<33]) else {
            throw DICEError(.signatureDegenerate, "nonce is not a valid scalar")
        }
        return try sign(message, privateKey: privateKey, r: P256ScalarField.reduce(x), kInverse: kInverse)
    }

    private static func sign(_ message: [UInt8], privateKey: [UInt8], r: UInt256,
                             kInverse: UInt256) throws(DICEError) -> ECDSASignatureValue {
        guard let d = UInt256(bigEndian: privateKey) else {
            throw DICEError(.signatureDegenerate, "private key is longer than 32 bytes")
        }
        let e = messageRepresentative(message)
        // s = k^-1 (e + d·r) mod n; no low-s normalisation (reference behaviour).
        let s = P256ScalarField.multiply(kInverse, P256ScalarField.add(e, P256ScalarField.multiply(d, r)))
        guard !r.isZero, !s.isZero else {
            throw DICEError(.signatureDegenerate, "ECDSA produced r = 0 or s = 0")
        }
        return ECDSASignatureValue(r: r.bigEndianBytes, s: s.bigEndianBytes)
    }

    /// e = SHA-256(message) as a big-endian integer, reduced mod n.
    static func messageRepresentative(_ message: [UInt8]) -> UInt256 {
        let digest = Array(SHA256.hash(data: message))
        return P256ScalarField.reduce(UInt256(bigEndian: digest) ?? .zero)
    }
}
