import DPSCore
import Foundation
import Testing

@Suite("SAS verification by the service")
struct SASVerifierTests {
    let key = "cGFzc3dvcmRwYXNzd29yZHBhc3N3b3JkcGFzc3dvcmQ="
    let other = "b3RoZXJrZXlvdGhlcmtleW90aGVya2V5b3RoZXJrZXk="
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func token(encoding: SASToken.ResourceEncoding = .upperHex, expiry: Int64 = 1_700_003_600, key: String? = nil,
               id: String = "dev-1", order: [String] = ["sr", "sig", "se", "skn"], keyName: String? = "registration") throws -> SASToken {
        let resource = SASToken.resourceText(idScope: "0ne00000001", registrationID: id, encoding: encoding)
        let text = try SASToken.create(resource: resource, keyBase64: key ?? self.key, expiry: expiry, keyName: keyName, fieldOrder: order).text
        return try SASToken(parsing: text)
    }

    @Test("every sr encoding, with or without skn, in any field order, verifies", arguments: SASToken.ResourceEncoding.allCases)
    func accepts(encoding: SASToken.ResourceEncoding) throws {
        for order in [["sr", "sig", "se", "skn"], ["sr", "sig", "skn", "se"], ["se", "skn", "sig", "sr"]] {
            for keyName in ["registration", nil] {
                let parsed = try token(encoding: encoding, order: order, keyName: keyName)
                try SASVerifier().verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
            }
        }
    }

    @Test("the secondary key verifies too")
    func secondaryKey() throws {
        try SASVerifier().verify(try token(key: other), idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key, other], now: now)
    }

    @Test("a wrong key is refused")
    func wrongKey() throws {
        let parsed = try token(key: other)
        expectCode(.sasSignatureMismatch, requirement: .dpsAuthSas004) {
            try SASVerifier().verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
        }
    }

    @Test("a token for another registration is refused")
    func wrongResource() throws {
        let parsed = try token(id: "dev-2")
        expectCode(.sasWrongResource, requirement: .dpsAuthSas002) {
            try SASVerifier().verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
        }
    }

    @Test("expiry is checked with the clock-skew allowance")
    func expiry() throws {
        let parsed = try token(expiry: 1_700_000_000 - 200)
        try SASVerifier(clockSkew: .seconds(300)).verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
        expectCode(.sasExpired, requirement: .dpsAuthSas003) {
            try SASVerifier(clockSkew: .seconds(100)).verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
        }
    }

    @Test("a signature over the decoded sr but sent with an encoded sr is refused (mutant: signs decoded sr)")
    func signedDecodedSentEncoded() throws {
        let encoded = SASToken.resourceText(idScope: "0ne00000001", registrationID: "dev-1", encoding: .upperHex)
        let signature = try SASToken.sign(message: "0ne00000001/registrations/dev-1\n1700003600", keyBase64: key)
        let forged = SASToken(resource: encoded, signature: signature, expiry: 1_700_003_600, keyName: "registration")
        let parsed = try SASToken(parsing: forged.text)
        expectCode(.sasSignatureMismatch) {
            try SASVerifier().verify(parsed, idScope: "0ne00000001", registrationID: "dev-1", keysBase64: [key], now: now)
        }
    }

    @Test("malformed tokens get precise errors", arguments: [
        "sr=a&sig=b&se=1", "SharedAccessSignature sr=a&sig=b", "SharedAccessSignature sr=a&sig=b&se=x",
        "SharedAccessSignature sr=a&sig=b&se=1&sr=c", "SharedAccessSignature sr=a&sig=b&se=1&foo=2",
        "SharedAccessSignature sr=a&sigb&se=1", "SharedAccessSignature sig=b&se=1", "SharedAccessSignature sr=a&sig=%zz&se=1",
    ])
    func malformed(text: String) {
        do {
            _ = try SASToken(parsing: text)
            Issue.record("\(text) parsed")
        } catch let error as DPSCoreError {
            #expect([.sasMalformed, .invalidPercentEncoding].contains(error.code))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("errors and redacted text never contain the signature")
    func redaction() throws {
        let parsed = try token()
        #expect(!parsed.redacted.contains(PercentEncoding.encode(parsed.signature)))
        #expect(!Redaction.sasSignatures(in: "password=\(parsed.text) more").contains(PercentEncoding.encode(parsed.signature)))
        do {
            _ = try SASToken(parsing: "SharedAccessSignature sr=a&sigSECRETSECRET&se=1")
        } catch let error as DPSCoreError {
            #expect(!error.reason.contains("SECRET"))
        }
    }

    @Test("a key that is not base64 is a typed error")
    func badKey() {
        expectCode(.keyNotBase64) { _ = try SASToken.sign(message: "x", keyBase64: "not base64!") }
    }
}
