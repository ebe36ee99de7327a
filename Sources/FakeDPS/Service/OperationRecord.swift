import DPSCore
import Foundation
import X509

/// One registration operation the service tracks from register to its terminal state.
struct OperationRecord: Sendable {
    let operationID: String
    let registrationID: String
    let match: EnrollmentMatch
    let payload: JSONValue?
    /// The public key of a certificate signing request sent with the register request.
    let certificateRequest: CertificateSigningRequest?
    let createdAt: Date
    let readyAt: Date
    var pollsBeforeReady: Int
    /// Set once the operation has finished; later polls repeat it.
    var result: DeviceRegistrationResult?

    /// An operation ID shaped like the real ones: `<digit>.<16 hex>.<uuid>` (identifiers as DPS issues them).
    static func makeID() -> String {
        let hex = (0..<16).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        return "4.\(hex).\(UUID().uuidString.lowercased())"
    }

    /// An etag like DPS sends: base64 of a quoted GUID-like string (Microsoft Learn iot-dps-mqtt-support).
    static func makeETag() -> String {
        Data("\"\(UUID().uuidString.lowercased())\"".utf8).base64EncodedString()
    }
}
