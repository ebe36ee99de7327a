/// Every value the DevKit RIoT profile derives, under the vector file's names.
///
/// Secrets (UDS, CDI, seeds, KDF outputs, private keys, the Alias key PEM) are held here for
/// callers that need them (the simulated device); ``description`` and ``namedValues`` flag them.
public struct DevKitRIoTDerivation: DiceDerivationOutput, Hashable, CustomStringConvertible {
    /// The UDS the derivation started from. Secret.
    public let uds: UniqueDeviceSecret
    /// The registration ID (Alias subject CN).
    public let registrationID: DevKitRegistrationID
    /// DiceHash(UDS). Secret.
    public let udsDigest: [UInt8]
    /// DiceHash(riot_core): the measurement of the first mutable code.
    public let riotCoreDigest: [UInt8]
    /// The Compound Device Identifier. Secret.
    public let cdi: [UInt8]
    /// SHA-256(CDI), the DeviceID KDF key. Secret.
    public let deviceIdSeed: [UInt8]
    /// SHA-256(riot_fw): the firmware ID carried in the Alias certificate.
    public let fwid: [UInt8]
    /// SHA-256(deviceIdSeed || FWID), the Alias KDF key. Secret.
    public let aliasSeed: [UInt8]
    /// The DeviceID key pair (signs the Alias certificate).
    public let deviceIdKey: RIoTKeyPair
    /// The Alias key pair (the device's TLS client key).
    public let aliasKey: RIoTKeyPair
    /// KDF fixed input for the "Identity" label.
    public let kdfFixedIdentity: [UInt8]
    /// KDF fixed input for the "Alias" label.
    public let kdfFixedAlias: [UInt8]
    /// The certificates, or `ALIAS_TBS_ENCODING_FAILED` for IDs of 127/128 characters.
    public let certificates: Result<DevKitCertificateSet, DICEError>

    /// The exact content of `<registrationId>.pem` as dps_cert_gen writes it: the Alias PEM, or
    /// the empty string when RiotStart failed.
    public var dpsCertGenPemFile: String {
        (try? certificates.get())?.alias.pem ?? ""
    }

    public var aliasCertificatePEM: String? { (try? certificates.get())?.alias.pem }

    public var certificateFailure: DICEError? {
        if case .failure(let error) = certificates { return error }
        return nil
    }

    /// Every input and intermediate in vector-file order; secrets flagged.
    public var namedValues: [DiceNamedValue] {
        var list: [DiceNamedValue] = []
        func add(_ name: String, _ bytes: [UInt8], secret: Bool = false) {
            list.append(DiceNamedValue(name: name, value: hexString(bytes), isSecret: secret))
        }
        func add(_ name: String, text: String, secret: Bool = false) {
            list.append(DiceNamedValue(name: name, value: text, isSecret: secret))
        }
        add("udsBytesHex", uds.bytes, secret: true)
        add("registrationId", text: registrationID.value)
        add("udsDigest", udsDigest, secret: true)
        add("riotCoreDigest", riotCoreDigest)
        add("cdi", cdi, secret: true)
        add("deviceIdSeed", deviceIdSeed, secret: true)
        add("fwid", fwid)
        add("aliasSeed", aliasSeed, secret: true)
        add("deviceIdKdfOutput", deviceIdKey.kdfOutput, secret: true)
        add("aliasKdfOutput", aliasKey.kdfOutput, secret: true)
        add("deviceIdPrivate", deviceIdKey.privateKey, secret: true)
        add("deviceIdPublic", deviceIdKey.publicKey)
        add("aliasPrivate", aliasKey.privateKey, secret: true)
        add("aliasPublic", aliasKey.publicKey)
        add("kdfFixedIdentity", kdfFixedIdentity)
        add("kdfFixedAlias", kdfFixedAlias)
        switch certificates {
        case .success(let set):
            add("aliasTbsHex", set.alias.tbs)
            add("aliasCertPem", text: set.alias.pem)
            add("aliasCertDerSha256", set.alias.derSHA256)
            add("aliasCertDerLength", text: String(set.alias.der.count))
            add("deviceIdTbsHex", set.deviceId.tbs)
            add("deviceIdCertPem", text: set.deviceId.pem)
            add("deviceIdCertDerSha256", set.deviceId.derSHA256)
            add("deviceIdCertDerLength", text: String(set.deviceId.der.count))
            add("deviceIdPublicPem", text: set.deviceIdPublicKeyPEM)
            add("aliasKeyPem", text: set.aliasKeyPEM, secret: true)
            add("aliasCertSignatureR", set.alias.signature.r)
            add("aliasCertSignatureS", set.alias.signature.s)
            add("deviceIdCertSignatureR", set.deviceId.signature.r)
            add("deviceIdCertSignatureS", set.deviceId.signature.s)
        case .failure(let error):
            add("error", text: error.code.rawValue)
        }
        add("dpsCertGenPemFile", text: dpsCertGenPemFile)
        return list
    }

    /// Public values only.
    public var description: String {
        "DevKitRIoTDerivation(registrationId: \(registrationID.value), fwid: \(hexString(fwid)), "
            + "deviceIdPublic: \(hexString(deviceIdKey.publicKey)), aliasPublic: \(hexString(aliasKey.publicKey)))"
    }
}

extension DevKitCertificateSet: CustomStringConvertible {
    /// Redacts the Alias key PEM.
    public var description: String {
        "DevKitCertificateSet(aliasDerLength: \(alias.der.count), deviceIdDerLength: \(deviceId.der.count), aliasKeyPem: <redacted>)"
    }
}
