import DPSCore
import Foundation
import Testing

@Suite("SAS token vectors")
struct SASVectorTests {
    /// Every `sas_token` vector except the one the vector file itself marks as non-reproducible.
    static let vectors = DPSVector.of(kind: "sas_token")

    @Test(arguments: vectors)
    func token(vector: DPSVector) throws {
        let expiry = try vector.int("expiry")
        let keyName = vector.input("key_name")
        let expectedText: String
        let expectedSignature: String?
        switch vector.expected {
        case .string(let text)?: expectedText = text; expectedSignature = nil
        case .object? : expectedText = try #require(vector.expected?["token"]?.stringValue)
                        expectedSignature = vector.expected?["signature_b64"]?.stringValue
        default: Issue.record("vector \(vector.name) has no expected value"); return
        }
        let parsed = try SASToken(parsing: expectedText)
        let resource: String
        if let literal = vector.input("sr_text") {
            resource = literal
        } else if let scope = vector.input("id_scope"), let id = vector.input("registration_id") {
            resource = SASToken.resourceText(idScope: scope, registrationID: id, encoding: .lowerHex)
        } else {
            let uri = try vector.string("resource_uri")
            resource = vector.input("sr_encoding") == nil ? uri : PercentEncoding.encode(uri)
        }
        let token: SASToken
        if let key = vector.input("key_b64") ?? vector.input("derived_key_b64") {
            token = try SASToken.create(resource: resource, keyBase64: key, expiry: expiry, keyName: keyName, fieldOrder: parsed.fieldOrder)
            if let expectedSignature { #expect(token.signature == expectedSignature) }
        } else {
            // The Embedded C vectors give the signature, not a key.
            let signature = try vector.string("signature_b64")
            token = SASToken(resource: resource, signature: signature, expiry: expiry, keyName: keyName, fieldOrder: parsed.fieldOrder)
        }
        #expect(token.text == expectedText)
        #expect(parsed.resource == resource)
        #expect(parsed.expiry == expiry)
        if let group = vector.input("group_key_b64"), let id = vector.input("registration_id") {
            #expect(try DerivedDeviceKey.derive(groupKeyBase64: group, registrationID: id) == vector.input("derived_key_b64"))
        }
    }

    @Test("the service verifies the three sr encodings of the same registration")
    func verifyAllEncodings() throws {
        let key = "18RQk/hOPJR9EbsJlk2j8WA6vWaj/yi+oaYg7zmxfQNdOyMSu+SJ8O7TSlZhDJCYmn4rzEiVKIzNiVAWjLxrGA=="
        let now = Date(timeIntervalSince1970: 1_578_941_000)
        for name in ["dps_sas_computed_lower_case_emb_csdk", "dps_sas_computed_upper_case_cs_py", "dps_sas_computed_raw_node"] {
            let vector = try #require(DPSVector.all.first { $0.name == name })
            let token = try SASToken(parsing: try #require(vector.expected?["token"]?.stringValue))
            try SASVerifier().verify(token, idScope: "0neFEEDC0DE", registrationID: "myRegistrationId", keysBase64: [key], now: now)
        }
    }

    @Test("the documentation's non-reproducible DPS token is refused, as the vector file warns")
    func docsTokenDoesNotVerify() throws {
        let vector = try #require(DPSVector.all.first { $0.name == "docs_dps_token_non_reproducible" })
        let token = try SASToken(parsing: try #require(vector.expected?.stringValue))
        expectCode(.sasSignatureMismatch) {
            try SASVerifier().verify(token, idScope: "0ne00111111", registrationID: "my-symkey-device",
                                     keysBase64: [try vector.string("key_b64")], now: Date(timeIntervalSince1970: 1_663_952_000))
        }
    }
}
