import DPSCore

/// How each simulated device signs its SAS token.
public enum FleetCredentials: Sendable {
    /// An enrollment group's key: each device derives its own, HMAC-SHA256 of its registration ID
    /// (Microsoft Learn how-to-legacy-device-symm-key).
    case groupKey(String)
    /// Individual enrollments' keys by registration ID; the fleet is those registration IDs, in order.
    case individualKeys([(registrationID: String, key: String)])
    /// An X.509 enrollment group: each device gets its own certificate from the group's CA and
    /// authenticates in the TLS handshake; no SAS token.
    case x509(FleetCertificateAuthority)

    /// The device key for device `index` (never printed).
    func deviceKey(registrationID: String, index: Int) throws(FleetFailure) -> String {
        switch self {
        case .groupKey(let group):
            do {
                return try DerivedDeviceKey.derive(groupKeyBase64: group, registrationID: registrationID)
            } catch {
                throw FleetFailure(.protocolError, "the group key is not valid base64")
            }
        case .individualKeys(let keys):
            return keys[index].key
        case .x509:
            throw FleetFailure(.protocolError, "an X.509 device has no key to sign with")
        }
    }

    /// Registration ID of device `index`: `PREFIX-000001` for a group, the enrollment's for individual keys.
    func registrationID(index: Int, prefix: String) -> String {
        switch self {
        case .groupKey, .x509:
            let number = String(index + 1)
            return prefix + "-" + String(repeating: "0", count: max(0, 6 - number.count)) + number
        case .individualKeys(let keys):
            return keys[index].registrationID
        }
    }

    /// The SAS token text for `registrationID`, valid for an hour.
    static func sasToken(idScope: String, registrationID: String, deviceKey: String, now: Int64) throws(FleetFailure) -> String {
        let resource = SASToken.resourceText(idScope: idScope, registrationID: registrationID, encoding: .upperHex)
        do {
            return try SASToken.create(resource: resource, keyBase64: deviceKey, expiry: now + 3600, keyName: "registration").text
        } catch {
            throw FleetFailure(.protocolError, "cannot sign a SAS token for \(registrationID): the key is not valid base64")
        }
    }
}
