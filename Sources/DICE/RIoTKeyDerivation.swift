import Crypto
import Foundation

/// A P-256 key pair derived by RIoT, in the byte forms the DevKit exports.
public struct RIoTKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The raw HMAC block of the KDF (little-endian scalar as RIoT holds it). Secret.
    public let kdfOutput: [UInt8]
    /// The private scalar d, 32 bytes big-endian (`kdfOutput` reversed). Secret.
    public let privateKey: [UInt8]
    /// The public point d·G, uncompressed `04 || X || Y` (65 bytes).
    public let publicKey: [UInt8]

    /// Redacted: only the public key is shown.
    public var description: String { "RIoTKeyPair(public: \(hexString(publicKey)), private: <redacted>)" }
}

/// `RiotCrypt_DeriveEccKey` of the DevKit (RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk): one block of an SP 800-108-style
/// HMAC-SHA256 counter KDF whose counter and bit length are little-endian (the
/// `UINT32_TO_BIGENDIAN` precedence bug), read as a little-endian scalar.
enum RIoTKeyDerivation {
    /// `RIOT_LABEL_IDENTITY`, without its NUL.
    static let identityLabel = Array("Identity".utf8)
    /// `RIOT_LABEL_ALIAS`, without its NUL.
    static let aliasLabel = Array("Alias".utf8)

    /// RIOT_KDF_FIXED(label, no context, 256 bits) = label || 00 || uint32_LE(256).
    static func fixedInput(label: [UInt8]) -> [UInt8] {
        label + [0x00] + [0x00, 0x01, 0x00, 0x00]
    }

    /// Derives the key pair for `seed` (32 bytes) and `label`.
    static func deriveKeyPair(seed: [UInt8], label: [UInt8]) throws(DICEError) -> RIoTKeyPair {
        // The counter is always 1 (ECDH_derive passes counter = NULL), little-endian on the wire.
        let message = [0x01, 0x00, 0x00, 0x00] + fixedInput(label: label)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: seed))
        let raw = Array(mac)
        let privateKey = try privateScalar(fromKDFOutput: raw, label: label)
        return RIoTKeyPair(kdfOutput: raw, privateKey: privateKey,
                           publicKey: try publicPoint(ofPrivateKey: privateKey))
    }

    /// The KDF block read as a little-endian scalar, exported big-endian; must lie in 1..<n.
    static func privateScalar(fromKDFOutput raw: [UInt8], label: [UInt8]) throws(DICEError) -> [UInt8] {
        let scalar = UInt256(littleEndian: raw)
        // The reference retries with the same block forever when d is 0 or >= n: report instead.
        guard raw.count == 32, !scalar.isZero, scalar < P256ScalarField.order else {
            throw DICEError(.kdfOutputOutOfRange,
                            "KDF output for label '\(String(decoding: label, as: UTF8.self))' is not in 1..<n")
        }
        return scalar.bigEndianBytes
    }

    /// d·G as `04 || X || Y`, through swift-crypto.
    static func publicPoint(ofPrivateKey privateKey: [UInt8]) throws(DICEError) -> [UInt8] {
        do {
            let key = try P256.Signing.PrivateKey(rawRepresentation: privateKey)
            return Array(key.publicKey.x963Representation)
        } catch {
            throw DICEError(.kdfOutputOutOfRange, "private scalar rejected by P-256 key construction")
        }
    }
}
