import DPSCore
import Foundation

/// A credential made ready to present: the SAS signing key, or certificate and key files (the
/// DICE Alias identity is derived and written to private files here).
struct PreparedIdentity: Sendable {
    let signingKey: String?
    let certificateFile: String?
    let keyFile: String?
    /// Files the device wrote for itself; removed when the run ends.
    let privateFiles: PrivateCredentialFiles?
    /// The credential this identity was prepared from.
    var credential: DeviceCredential?

    static func prepare(_ credential: DeviceCredential, registrationID: String, diceNonce: [UInt8]? = nil) throws(DeviceError) -> PreparedIdentity {
        switch credential {
        case .symmetricKey, .groupKey:
            let key: String?
            do {
                key = try credential.signingKey(registrationID: registrationID)
            } catch {
                throw DeviceError(.keyNotBase64, "the \(credential.kindName) is not base64")
            }
            guard let key, let bytes = Data(base64Encoded: key), !bytes.isEmpty else {
                throw DeviceError(.keyNotBase64, "the \(credential.kindName) is not base64")
            }
            return PreparedIdentity(signingKey: key, certificateFile: nil, keyFile: nil, privateFiles: nil)
        case .x509(let certificate, let key):
            for (path, what) in [(certificate, "certificate"), (key, "key")] where !FileManager.default.isReadableFile(atPath: path) {
                throw DeviceError(.certificateUnreadable, "cannot read the \(what) file \(path)")
            }
            return PreparedIdentity(signingKey: nil, certificateFile: certificate, keyFile: key, privateFiles: nil)
        case .diceDevKit(let uds, let firmware, let map):
            let files = try DevKitDICEIdentity.materialise(udsHex: uds, firmwareFile: firmware, mapFile: map, registrationID: registrationID,
                                                           constantNonce: diceNonce)
            return PreparedIdentity(signingKey: nil, certificateFile: files.certificateFile, keyFile: files.keyFile, privateFiles: files,
                                    credential: credential)
        }
    }

    /// Transport credentials with a SAS token valid until `expiry` (seconds since 1970), bent by
    /// `behaviour` for the mutants that get the username or the signature wrong.
    func credentials(settings: ProvisioningSettings, behaviour: DeviceBehaviour, expiry: Int64) throws -> TransportCredentials {
        let username = MQTTUsername(idScope: settings.endpoint.idScope, registrationID: settings.registrationID, apiVersion: settings.apiVersion)
        // DPS-MQTT-CONN-003: '/' before api-version; the mutant writes '?'.
        var usernameText = behaviour.questionMarkUsername
            ? username.text.replacingOccurrences(of: "/api-version=", with: "?api-version=") : username.text
        if let other = behaviour.wireForm.usernameDevice {
            // DPS-MQTT-CONN-002: the mutant names another device in its username.
            usernameText = MQTTUsername(idScope: settings.endpoint.idScope, registrationID: other, apiVersion: settings.apiVersion).text
        }
        var token: String?
        if let signingKey {
            token = try sasToken(settings: settings, behaviour: behaviour, signingKey: signingKey, expiry: expiry)
        }
        var credentials = TransportCredentials(username: username, sasToken: token, certificateFile: certificateFile, keyFile: keyFile,
                                               usernameText: usernameText, subscribesBeforePublishing: behaviour.subscribesBeforePublishing)
        if case .diceDevKit? = credential { credentials.nonstandardClientCertificate = true }
        credentials.wireForm = behaviour.wireForm
        return credentials
    }

    /// The SAS token valid until `expiry`: `sr` the URL-encoded `{idScope}/registrations/{id}`,
    /// signed exactly as sent (DPS-AUTH-SAS-004), bent by the credential mutants.
    private func sasToken(settings: ProvisioningSettings, behaviour: DeviceBehaviour, signingKey: String, expiry: Int64) throws -> String {
        let scope = settings.endpoint.idScope
        let named = behaviour.token == .forAnotherDevice ? "another-device" : settings.registrationID
        let resource = SASToken.resourceText(idScope: scope, registrationID: named, encoding: .upperHex)
        // The mutant signs the decoded form of the sr it sends.
        let signed = behaviour.signsDecodedResource ? SASToken.resourceText(idScope: scope, registrationID: named, encoding: .raw) : resource
        let expiresAt = behaviour.token == .expired ? expiry - Int64(settings.sasTokenLifetime.seconds) - 3_600 : expiry
        var key = signingKey
        if behaviour.token == .signedWithGroupKey, case .groupKey(let groupKey) = settings.credential {
            // DPS-AUTH-DERIVE-001: the mutant signs with the group key it should derive from.
            key = groupKey
        }
        let signature = try SASToken.sign(message: SASToken.stringToSign(resource: signed, expiry: expiresAt), keyBase64: key)
        // DPS-AUTH-SAS-001: the mutant leaves `se` out.
        let fields = behaviour.token == .withoutExpiry ? ["sr", "sig", "skn"] : ["sr", "sig", "se", "skn"]
        return SASToken(resource: resource, signature: signature, expiry: expiresAt, keyName: "registration", fieldOrder: fields).text
    }
}
