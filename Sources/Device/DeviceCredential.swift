import DPSCore

/// How the device proves its identity to DPS.
public enum DeviceCredential: Sendable, Hashable {
    /// An individual enrollment's symmetric key (base64).
    case symmetricKey(String)
    /// An enrollment group's key (base64); the device key is derived from it (Microsoft Learn how-to-legacy-device-symm-key).
    case groupKey(String)
    /// A client certificate (PEM, may hold the chain, leaf first) and its private key (PEM) for TLS.
    case x509(certificateFile: String, keyFile: String)
    /// The MXChip DevKit DICE identity: the UDS (64 hex digits) and the firmware `.bin` and linker
    /// `.map` it measures. The device presents the derived Alias certificate and key (dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment).
    case diceDevKit(udsHex: String, firmwareFile: String, mapFile: String)

    /// The base64 key that signs SAS tokens, if this credential uses SAS.
    func signingKey(registrationID: String) throws -> String? {
        switch self {
        case .symmetricKey(let key): key
        case .groupKey(let groupKey): try DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: registrationID)
        case .x509, .diceDevKit: nil
        }
    }

    /// Whether the device authenticates with a SAS token (else with a TLS client certificate).
    public var usesSAS: Bool {
        switch self {
        case .symmetricKey, .groupKey: true
        case .x509, .diceDevKit: false
        }
    }

    /// A name for reports; never the key.
    public var kindName: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        case .groupKey: "groupKey"
        case .x509: "x509"
        case .diceDevKit: "diceDevKit"
        }
    }
}

extension DeviceCredential: CustomStringConvertible {
    /// Names the kind and files only: keys and the UDS are secrets.
    public var description: String {
        switch self {
        case .symmetricKey, .groupKey: "\(kindName)(<redacted>)"
        case .x509(let certificate, _): "x509(\(certificate))"
        case .diceDevKit(_, let firmware, let map): "diceDevKit(uds <redacted>, \(firmware), \(map))"
        }
    }
}
