import Crypto
import Foundation

/// How the service checks a device's SAS token (Microsoft Learn concepts-symmetric-key-attestation).
public struct SASVerifier: Sendable {
    /// Expiry tolerance; Microsoft's token parser allows 5 minutes.
    public var clockSkew: Duration

    public init(clockSkew: Duration = .seconds(300)) {
        self.clockSkew = clockSkew
    }

    /// Verifies `token` for the registration under any of `keysBase64` (primary, secondary).
    /// The HMAC is recomputed over the literal `sr`; `sr` must decode to
    /// `{idScope}/registrations/{registrationId}` (compared case-insensitively); `se` must not lie in
    /// the past beyond `clockSkew`. The signature comparison is constant-time.
    public func verify(_ token: SASToken, idScope: String, registrationID: String, keysBase64: [String], now: Date) throws {
        try Self.checkResource(token, idScope: idScope, registrationID: registrationID)
        try checkExpiry(token, now: now)
        guard let presented = Data(base64Encoded: token.signature), presented.count == SHA256.byteCount else {
            throw DPSCoreError(.sasSignatureMismatch, "SAS sig is not a base64 HMAC-SHA256", requirement: .dpsAuthSas004)
        }
        let message = Data(SASToken.stringToSign(resource: token.resource, expiry: token.expiry).utf8)
        for keyBase64 in keysBase64 {
            let key = try SASToken.decodeKey(keyBase64)
            if HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: key) { return }
        }
        throw DPSCoreError(.sasSignatureMismatch, "SAS signature does not verify under the enrollment's keys", requirement: .dpsAuthSas004)
    }

    /// `sr` must decode to `{idScope}/registrations/{registrationId}`, compared case-insensitively
    /// (DPS-AUTH-SAS-002). Needs no key, so checks of a redacted token use it too.
    public static func checkResource(_ token: SASToken, idScope: String, registrationID: String) throws {
        let decodedResource = try PercentEncoding.decode(token.resource)
        let expected = "\(idScope)/registrations/\(registrationID)"
        guard decodedResource.lowercased() == expected.lowercased() else {
            throw DPSCoreError(.sasWrongResource, "SAS sr '\(decodedResource)' does not name '\(expected)'", requirement: .dpsAuthSas002)
        }
    }

    /// `se` must not lie in the past beyond the clock skew at `now` (DPS-AUTH-SAS-003).
    public func checkExpiry(_ token: SASToken, now: Date) throws {
        let skewSeconds = Double(clockSkew.components.seconds)
        guard Double(token.expiry) + skewSeconds >= now.timeIntervalSince1970 else {
            throw DPSCoreError(.sasExpired, "SAS token expired at \(token.expiry) (now \(Int64(now.timeIntervalSince1970)))", requirement: .dpsAuthSas003)
        }
    }
}

/// Enrollment-group derived device keys (Microsoft Learn how-to-legacy-device-symm-key):
/// `Base64(HMAC-SHA256(Base64Decode(groupKey), registrationId))`.
public enum DerivedDeviceKey {
    public static func derive(groupKeyBase64: String, registrationID: String) throws -> String {
        try SASToken.sign(message: registrationID, keyBase64: groupKeyBase64)
    }
}
