import Crypto

/// The MXChip AZ3166 DevKit DICE/RIoT derivation, byte-exact with `dps_cert_gen` and the
/// DevKit firmware (DiceCore.c, microsoft/devkit-sdk).
public struct DevKitRIoTProfile: DiceProfile {
    public init() {}

    public var identifier: DiceProfileIdentifier { .devKitRIoT }

    /// Runs DICE then RIoT. Throws for failures that stop before any key exists (KDF out of
    /// range); a registration ID the encoder refuses yields keys but no certificates
    /// (``DevKitRIoTDerivation/certificates`` holds the `ALIAS_TBS_ENCODING_FAILED` error).
    public func derive(_ inputs: DiceInputs) throws(DICEError) -> DevKitRIoTDerivation {
        // DICE layer (DiceCore.c, microsoft/devkit-sdk): CDI = DiceHash(DiceHash(UDS) || DiceHash(riot_core)).
        let udsDigest = DiceHash.digest(inputs.uds.bytes)
        let riotCoreDigest = DiceHash.digest(inputs.firmware.riotCore)
        let cdi = DiceHash.digest(udsDigest + riotCoreDigest)
        // RIoT layer (RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk): standard SHA-256 from here on.
        let deviceIdSeed = Array(SHA256.hash(data: cdi))
        let deviceIdKey = try RIoTKeyDerivation.deriveKeyPair(seed: deviceIdSeed, label: RIoTKeyDerivation.identityLabel)
        let fwid = Array(SHA256.hash(data: inputs.firmware.riotFw))
        let aliasSeed = Array(SHA256.hash(data: deviceIdSeed + fwid))
        let aliasKey = try RIoTKeyDerivation.deriveKeyPair(seed: aliasSeed, label: RIoTKeyDerivation.aliasLabel)

        let certificates: Result<DevKitCertificateSet, DICEError>
        do {
            certificates = .success(try Self.issue(registrationID: inputs.registrationID.value,
                                                   deviceIdKey: deviceIdKey, aliasKey: aliasKey, fwid: fwid))
        } catch {
            certificates = .failure(error)
        }
        return DevKitRIoTDerivation(
            uds: inputs.uds, registrationID: inputs.registrationID,
            udsDigest: udsDigest, riotCoreDigest: riotCoreDigest, cdi: cdi,
            deviceIdSeed: deviceIdSeed, fwid: fwid, aliasSeed: aliasSeed,
            deviceIdKey: deviceIdKey, aliasKey: aliasKey,
            kdfFixedIdentity: RIoTKeyDerivation.fixedInput(label: RIoTKeyDerivation.identityLabel),
            kdfFixedAlias: RIoTKeyDerivation.fixedInput(label: RIoTKeyDerivation.aliasLabel),
            certificates: certificates)
    }

    /// The certificate part of `RiotStart`, in the reference's order: Alias TBS first (its
    /// failure stops everything after it), then the key PEMs, then the DeviceID certificate.
    static func issue(registrationID: String, deviceIdKey: RIoTKeyPair, aliasKey: RIoTKeyPair,
                      fwid: [UInt8], nonce: [UInt8]? = nil) throws(DICEError) -> DevKitCertificateSet {
        guard let aliasTBS = RIoTCertificateBuilder.aliasTBS(
            registrationID: registrationID, aliasPublicKey: aliasKey.publicKey,
            deviceIdPublicKey: deviceIdKey.publicKey, fwid: fwid) else {
            throw DICEError(.aliasTBSEncodingFailed,
                            "registration ID of \(registrationID.utf8.count) characters cannot be encoded (RIoT UTF8String limit is 126)")
        }
        let alias = try DevKitCertificate(tbs: aliasTBS, signingKey: deviceIdKey.privateKey, nonce: nonce)
        let deviceIdPublicPEM = OneLinePEM.encode(
            RIoTCertificateBuilder.subjectPublicKeyInfo(deviceIdKey.publicKey), label: .publicKey)
        let aliasKeyPEM = OneLinePEM.encode(
            RIoTCertificateBuilder.ecPrivateKey(privateKey: aliasKey.privateKey, publicKey: aliasKey.publicKey),
            label: .ecPrivateKey)
        guard let deviceTBS = RIoTCertificateBuilder.deviceIdTBS(deviceIdPublicKey: deviceIdKey.publicKey) else {
            throw DICEError(.aliasTBSEncodingFailed, "DeviceID TBS cannot be encoded")
        }
        let deviceId = try DevKitCertificate(tbs: deviceTBS, signingKey: deviceIdKey.privateKey, nonce: nonce)
        return DevKitCertificateSet(alias: alias, deviceIdPublicKeyPEM: deviceIdPublicPEM,
                                    aliasKeyPEM: aliasKeyPEM, deviceId: deviceId)
    }
}

extension DevKitRIoTProfile {
    /// The certificates of `derivation` signed with a constant nonce of the caller's instead of
    /// the DevKit's: what a firmware that swapped RIoT's fixed k for another constant presents.
    /// Keys, names and extensions are the DevKit's; the signatures, and so the bytes, differ, and
    /// any two of its signatures share their nonce.
    public static func reissue(_ derivation: DevKitRIoTDerivation, constantNonce: [UInt8]) throws(DICEError) -> DevKitCertificateSet {
        try issue(registrationID: derivation.registrationID.value, deviceIdKey: derivation.deviceIdKey, aliasKey: derivation.aliasKey,
                  fwid: derivation.fwid, nonce: constantNonce)
    }
}

/// One certificate the DevKit builds: TBS, signature, DER and one-line PEM.
public struct DevKitCertificate: Sendable, Hashable {
    /// The TBSCertificate DER that was signed.
    public let tbs: [UInt8]
    /// The fixed-nonce ECDSA signature over ``tbs``.
    public let signature: ECDSASignatureValue
    /// The whole certificate DER.
    public let der: [UInt8]
    /// The certificate as RIoT's one-line PEM.
    public var pem: String { OneLinePEM.encode(der, label: .certificate) }
    /// SHA-256 of ``der``.
    public var derSHA256: [UInt8] { DevKitCertificateDigest.sha256(der) }

    /// Signed with the DevKit's fixed nonce, or with `nonce` when given.
    init(tbs: [UInt8], signingKey: [UInt8], nonce: [UInt8]? = nil) throws(DICEError) {
        self.tbs = tbs
        if let nonce {
            signature = try RIoTFixedNonce.sign(tbs, privateKey: signingKey, nonce: nonce)
        } else {
            signature = try RIoTFixedNonce.sign(tbs, privateKey: signingKey)
        }
        der = RIoTCertificateBuilder.certificate(tbs: tbs, signature: signature)
    }
}

/// Everything `RiotStart` produces after the keys, or nothing at all when the Alias TBS fails.
public struct DevKitCertificateSet: Sendable, Hashable {
    /// The Alias certificate: what dps_cert_gen writes and the device presents to DPS.
    public let alias: DevKitCertificate
    /// The DeviceID public key as a `PUBLIC KEY` (SPKI) PEM (`RIoTGetDeviceID`).
    public let deviceIdPublicKeyPEM: String
    /// The Alias private key as an RFC 5915 `EC PRIVATE KEY` PEM (`RIoTGetAliasKey`). Secret.
    public let aliasKeyPEM: String
    /// The self-signed DeviceID certificate (computed, never sent).
    public let deviceId: DevKitCertificate
}

/// Standard SHA-256 over certificate bytes (fingerprints in reports and vectors).
enum DevKitCertificateDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
