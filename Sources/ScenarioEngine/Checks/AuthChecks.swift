import DPSCore
import Foundation

/// Symmetric-key authentication (Microsoft Learn concepts-symmetric-key-attestation and the SAS
/// token format of iot-dps-mqtt-support), read from the recorded credentials (signatures
/// redacted, shape, resource and expiry kept) and from the service's typed refusals.
enum AuthChecks {
    static let all: [any ConformanceCheck] = [tokenShape, tokenResource, tokenExpiry, signature, renewal, derivedKey, x509CommonName, x509Chain]

    /// The recorded credentials that claim to be SAS tokens.
    static func tokens(_ view: TranscriptView) -> [(event: WireEvent, credential: RedactedCredential)] {
        view.credentials.filter { $0.credential.text.hasPrefix("SharedAccessSignature ") }
    }

    /// DPS-AUTH-SAS-001: `SharedAccessSignature ` and sr, sig, se (skn optional), each once.
    static let tokenShape = TranscriptCheck(.dpsAuthSas001) { context in
        let presented = tokens(context.view)
        guard !presented.isEmpty else { return .skip("the device presented no SAS token") }
        let expected = ["SharedAccessSignature sr=...&sig=...&se=...[&skn=...], each field once"]
        if let bad = presented.first(where: { !$0.credential.isSASToken }) {
            return .fail(expected, "token '\(bad.credential.text)'", [bad.event.sequence])
        }
        if let refused = context.view.violation(of: .dpsAuthSas001) { return .fail(expected, refused.event.summary, [refused.event.sequence]) }
        return .pass(expected, "\(presented.count) well-formed token(s)", presented.map(\.event.sequence))
    }

    /// DPS-AUTH-SAS-002: sr names `{idScope}/registrations/{registrationId}` of the device.
    static let tokenResource = TranscriptCheck(.dpsAuthSas002) { context in
        let presented = tokens(context.view).compactMap { item in item.credential.sasToken.map { (item.event, $0) } }
        guard !presented.isEmpty else { return .skip("the device presented no well-formed SAS token") }
        let scope = context.scenario.service.idScope
        let id = context.scenario.device.registrationID
        let expected = ["sr = \(scope)/registrations/\(id)"]
        for (event, token) in presented {
            if (try? SASVerifier.checkResource(token, idScope: scope, registrationID: id)) == nil {
                return .fail(expected, "sr=\(token.resource)", [event.sequence])
            }
        }
        return .pass(expected, "sr=\(presented[0].1.resource)", presented.map(\.0.sequence))
    }

    /// DPS-AUTH-SAS-003: the token has not expired when it is presented (with the service's skew).
    static let tokenExpiry = TranscriptCheck(.dpsAuthSas003) { context in
        let presented = tokens(context.view).compactMap { item in item.credential.sasToken.map { (item.event, $0) } }
        guard !presented.isEmpty else { return .skip("the device presented no well-formed SAS token") }
        let verifier = SASVerifier(clockSkew: context.scenario.service.sasClockSkew)
        let expected = ["se not in the past (beyond \(Int(context.scenario.service.sasClockSkew.seconds)) s of skew) when the token is presented"]
        for (event, token) in presented where (try? verifier.checkExpiry(token, now: event.time)) == nil {
            return .fail(expected, "se=\(token.expiry), presented at \(Int64(event.time.timeIntervalSince1970))", [event.sequence])
        }
        return .pass(expected, "\(presented.count) token(s) valid when presented")
    }

    /// DPS-AUTH-SAS-004: the signature verifies (only the service holds the key: its typed refusal decides).
    static let signature = TranscriptCheck(.dpsAuthSas004) { context in
        let presented = tokens(context.view)
        guard !presented.isEmpty else { return .skip("the device presented no SAS token") }
        let expected = ["the service finds the signature valid"]
        if let refused = context.view.violation(of: .dpsAuthSas004) { return .fail(expected, refused.event.summary, [refused.event.sequence]) }
        if let unexplained = context.unexplainedRefusal { return .skip(unexplained) }
        return .pass(expected, "no refusal of the signature")
    }

    /// DPS-AUTH-SAS-005: the device renews its token before it expires: no request goes out on a
    /// connection whose token has expired.
    static let renewal = TranscriptCheck(.dpsAuthSas005, on: [.mqtt]) { context in
        var expiryByConnection: [String: Int64] = [:]
        for (event, credential) in tokens(context.view) {
            if let token = credential.sasToken { expiryByConnection[event.connection] = token.expiry }
        }
        guard !expiryByConnection.isEmpty else { return .skip("the device presented no well-formed SAS token") }
        let expected = ["a fresh token (a new connection) before the current one expires"]
        for request in context.view.requests {
            guard let expiry = expiryByConnection[request.event.connection] else { continue }
            if request.event.time.timeIntervalSince1970 > Double(expiry) {
                return .fail(expected, "\(request.kind.rawValue) request at \(Int64(request.event.time.timeIntervalSince1970)) on a connection whose token expired at \(expiry)",
                             [request.event.sequence])
            }
        }
        return .pass(expected, "every request went out under an unexpired token (\(expiryByConnection.count) connection(s))")
    }

    /// DPS-AUTH-DERIVE-001: a device of a symmetric-key group signs with its derived key.
    static let derivedKey = TranscriptCheck(.dpsAuthDerive001) { context in
        guard case .groupKey = context.scenario.device.key else { return .skip("the device does not belong to a symmetric-key group") }
        guard !tokens(context.view).isEmpty else { return .skip("the device presented no SAS token") }
        let expected = ["the token signed with Base64(HMAC-SHA256(group key, registration ID))"]
        if let refused = context.view.violation(of: .dpsAuthDerive001) { return .fail(expected, refused.event.summary, [refused.event.sequence]) }
        if let refused = context.view.violation(of: .dpsAuthSas004) { return .fail(expected, refused.event.summary, [refused.event.sequence]) }
        if let unexplained = context.unexplainedRefusal { return .skip(unexplained) }
        return .pass(expected, "the service accepted the derived key's signature")
    }

    /// DPS-AUTH-X509-001 and -002 are the service's to judge (only it holds the enrollments): its
    /// typed refusal of the presented certificate decides, as for the SAS signature.
    static func x509Refusal(_ requirement: RequirementID, _ statement: String) -> TranscriptCheck {
        TranscriptCheck(requirement) { context in
            let presented = context.view.events.filter { $0.certificate != nil }
            guard !presented.isEmpty else { return .skip("the device presented no client certificate") }
            let expected = [statement]
            if let refused = context.view.violation(of: requirement) { return .fail(expected, refused.event.summary, [refused.event.sequence]) }
            return .pass(expected, "no refusal of the certificate under this rule", presented.map(\.sequence))
        }
    }

    /// DPS-AUTH-X509-001: the leaf's one subject CN is the registration ID (at most 64 characters).
    static let x509CommonName = x509Refusal(.dpsAuthX509001, "the service finds the leaf CN equal to the registration ID")

    /// DPS-AUTH-X509-002: the chain is well-formed, valid now and leads to the enrolled certificate or CA.
    static let x509Chain = x509Refusal(.dpsAuthX509002, "the service finds the presented chain well-formed, valid and leading to the enrollment")
}
