import DPSCore
import Foundation

/// SAS token vectors: assembly (DPS-AUTH-SAS-001), signature over the literal `sr`
/// (DPS-AUTH-SAS-004), `sr` naming the registration (DPS-AUTH-SAS-002) and the derived-key chain
/// (DPS-AUTH-DERIVE-001).
enum DPSSASCheck {
    static func observe(_ inputs: SASTokenInputs, expectedToken: String?, into out: inout VectorObservations) {
        // The field order is the one thing the inputs leave open (Node writes skn before se).
        let parsedExpected = expectedToken.flatMap { try? SASToken(parsing: $0) }
        let order = parsedExpected?.fieldOrder ?? ["sr", "sig", "se", "skn"]
        switch inputs.signing {
        case .key(let key):
            do {
                let token = try SASToken.create(resource: inputs.resource, keyBase64: key, expiry: inputs.expiry,
                                                keyName: inputs.keyName, fieldOrder: order)
                out.set("token", .text(token.text), .dpsAuthSas004, secret: true)
                out.set("signature_b64", .text(token.signature), .dpsAuthSas004, secret: true)
            } catch {
                let refusal = DPSVectorCheck.refusalOr { throw error }
                out.set("token", refusal, .dpsAuthSas004, secret: true)
                out.set("signature_b64", refusal, .dpsAuthSas004, secret: true)
            }
        case .givenSignature(let signature):
            let token = SASToken(resource: inputs.resource, signature: signature, expiry: inputs.expiry,
                                 keyName: inputs.keyName, fieldOrder: order)
            out.set("token", .text(token.text), .dpsAuthSas001, secret: true)
            out.set("signature_b64", .text(signature), .dpsAuthSas001, secret: true)
        }
        if let expectedToken {
            // The service reads the token back to the same sr and se.
            out.checks.append(AdditionalCheck(
                requirement: .dpsAuthSas002,
                passed: parsedExpected?.resource == inputs.resource && parsedExpected?.expiry == inputs.expiry,
                expected: "the token reads back as sr \(inputs.resource), se \(inputs.expiry)",
                observed: parsedExpected.map { "sr \($0.resource), se \($0.expiry)" } ?? "token refused: " + SecretText.render(expectedToken, field: "token", secret: true)))
        }
        if let group = inputs.groupDerivation {
            let derived = try? DerivedDeviceKey.derive(groupKeyBase64: group.groupKeyBase64, registrationID: group.registrationID)
            out.checks.append(AdditionalCheck(
                requirement: .dpsAuthDerive001, passed: derived == group.derivedKeyBase64,
                expected: "derived_key_b64 = " + SecretText.render(group.derivedKeyBase64, field: "derived_key_b64", secret: true),
                observed: "derived from the group key: " + (derived.map { SecretText.render($0, field: "derived_key_b64", secret: true) } ?? "refused")))
        }
    }

    /// A published token that does not reproduce: no `sr` encoding of the resource signs to it,
    /// and the service's verifier refuses it with `sasSignatureMismatch` (DPS-AUTH-SAS-004).
    static func observeUnreproducible(resourceURI: String, idScope: String, registrationID: String, keyBase64: String,
                                      expiry: Int64, token: String?, into out: inout VectorObservations) {
        let parsed = token.flatMap { try? SASToken(parsing: $0) }
        var produced: [String] = []
        for resource in [resourceURI, PercentEncoding.encode(resourceURI, hexCase: .upper), PercentEncoding.encode(resourceURI, hexCase: .lower)] {
            if let made = try? SASToken.create(resource: resource, keyBase64: keyBase64, expiry: expiry, keyName: parsed?.keyName,
                                               fieldOrder: parsed?.fieldOrder ?? ["sr", "sig", "se", "skn"]) {
                produced.append(made.text)
            }
        }
        out.set("token", .differsFrom(produced), .dpsAuthSas004, secret: true)
        guard let parsed else {
            out.checks.append(AdditionalCheck(requirement: .dpsAuthSas004, passed: false,
                                              expected: "a token the verifier can read", observed: "the token does not parse"))
            return
        }
        let refusal: String
        do {
            // Checked just before expiry, so only the signature can make it fail.
            try SASVerifier().verify(parsed, idScope: idScope, registrationID: registrationID, keysBase64: [keyBase64],
                                     now: Date(timeIntervalSince1970: TimeInterval(expiry - 60)))
            refusal = "accepted"
        } catch let error as DPSCoreError {
            refusal = error.code.rawValue
        } catch {
            refusal = "\(error)"
        }
        out.checks.append(AdditionalCheck(requirement: .dpsAuthSas004, passed: refusal == DPSCoreError.Code.sasSignatureMismatch.rawValue,
                                          expected: "the service refuses the token: sasSignatureMismatch",
                                          observed: refusal == "accepted" ? "the service accepts the token" : "refused: \(refusal)"))
    }
}
