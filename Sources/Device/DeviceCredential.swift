import DPSCore

/// How the device proves its identity to DPS.
public enum DeviceCredential: Sendable, Hashable {
    /// An individual enrollment's symmetric key (base64).
    case symmetricKey(String)
    /// An enrollment group's key (base64); the device key is derived from it (§4.2).
    case groupKey(String)
    /// A client certificate (PEM, may hold the chain) and its private key (PEM) for TLS.
    case x509(certificateFile: String, keyFile: String)

    /// The base64 key that signs SAS tokens, if this credential uses SAS.
    func signingKey(registrationID: String) throws -> String? {
        switch self {
        case .symmetricKey(let key): key
        case .groupKey(let groupKey): try DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: registrationID)
        case .x509: nil
        }
    }

    /// A name for reports; never the key.
    public var kindName: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        case .groupKey: "groupKey"
        case .x509: "x509"
        }
    }
}
