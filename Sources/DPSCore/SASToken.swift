import Crypto
import Foundation

/// A DPS shared access signature token: `SharedAccessSignature sr=...&sig=...&se=...[&skn=...]`
/// (Microsoft Learn concepts-symmetric-key-attestation). The string that is signed is the `sr` text exactly as it appears in the
/// token, so `sr` is kept literally and never decoded and re-encoded.
public struct SASToken: Sendable, Hashable {
    /// The `sr` text as it appears in the token.
    public var resource: String
    /// The base64 signature, percent-decoded.
    public var signature: String
    /// Expiry, seconds since 1970-01-01 UTC.
    public var expiry: Int64
    /// `skn`, percent-decoded; optional in practice (the Embedded C SDK and the Python SDK omit it).
    public var keyName: String?
    /// Field names in the order they appeared (the Node SDK sends sr, sig, skn, se).
    public var fieldOrder: [String]

    /// How a client writes `sr` for `{idScope}/registrations/{registrationId}`.
    public enum ResourceEncoding: String, Sendable, CaseIterable {
        /// `%2f` lower-case, as the Embedded C SDK and the C SDK do.
        case lowerHex
        /// `%2F` upper-case, as the C# SDK and the Python SDK do.
        case upperHex
        /// Not encoded at all, as the Node SDK does.
        case raw
    }

    public static let prefix = "SharedAccessSignature "

    public init(resource: String, signature: String, expiry: Int64, keyName: String?, fieldOrder: [String] = ["sr", "sig", "se", "skn"]) {
        self.resource = resource
        self.signature = signature
        self.expiry = expiry
        self.keyName = keyName
        self.fieldOrder = fieldOrder
    }

    /// The `sr` text for a DPS registration in the given encoding.
    public static func resourceText(idScope: String, registrationID: String, encoding: ResourceEncoding) -> String {
        let uri = "\(idScope)/registrations/\(registrationID)"
        switch encoding {
        case .raw: return uri
        case .upperHex: return PercentEncoding.encode(uri, hexCase: .upper)
        case .lowerHex: return PercentEncoding.encode(uri, hexCase: .lower)
        }
    }

    /// `sr + "\n" + se`, the text that is signed (vector `sas_string_to_sign_emb`).
    public static func stringToSign(resource: String, expiry: Int64) -> String {
        resource + "\n" + String(expiry)
    }

    /// Base64 HMAC-SHA256 of `message` under the base64 `key` (vectors `hmac_*`).
    public static func sign(message: String, keyBase64: String) throws -> String {
        let key = try decodeKey(keyBase64)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// A signed token for `resource` (already in its wire text).
    public static func create(resource: String, keyBase64: String, expiry: Int64, keyName: String?,
                              fieldOrder: [String] = ["sr", "sig", "se", "skn"]) throws -> SASToken {
        let signature = try sign(message: stringToSign(resource: resource, expiry: expiry), keyBase64: keyBase64)
        return SASToken(resource: resource, signature: signature, expiry: expiry, keyName: keyName, fieldOrder: fieldOrder)
    }

    /// The token text. `sig` and `skn` are percent-encoded with upper-case hex; `skn` is left
    /// out when nil or empty.
    public var text: String {
        var fields: [String] = []
        for name in fieldOrder {
            switch name {
            case "sr": fields.append("sr=" + resource)
            case "sig": fields.append("sig=" + PercentEncoding.encode(signature))
            case "se": fields.append("se=" + String(expiry))
            case "skn": if let keyName, !keyName.isEmpty { fields.append("skn=" + PercentEncoding.encode(keyName)) }
            default: continue
            }
        }
        return Self.prefix + fields.joined(separator: "&")
    }

    /// The token text with the signature replaced, safe for logs and reports.
    public var redacted: String {
        var copy = self
        copy.signature = "REDACTED"
        return copy.text
    }

    /// Parses a token; fields in any order, `skn` optional, unknown fields refused.
    public init(parsing text: String) throws {
        guard text.hasPrefix(Self.prefix) else {
            throw DPSCoreError(.sasMalformed, "SAS token does not start with 'SharedAccessSignature '", requirement: .dpsAuthSas001)
        }
        var values: [String: String] = [:]
        var order: [String] = []
        for piece in text.dropFirst(Self.prefix.count).split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = piece.firstIndex(of: "=") else {
                throw DPSCoreError(.sasMalformed, "SAS token field '\(Self.fieldName(piece))' is not key=value", requirement: .dpsAuthSas001)
            }
            let key = String(piece[..<equals])
            guard ["sr", "sig", "se", "skn"].contains(key) else {
                throw DPSCoreError(.sasMalformed, "SAS token has unknown field '\(key)'", requirement: .dpsAuthSas001)
            }
            guard values[key] == nil else {
                throw DPSCoreError(.sasMalformed, "SAS token field '\(key)' appears twice", requirement: .dpsAuthSas001)
            }
            values[key] = String(piece[piece.index(after: equals)...])
            order.append(key)
        }
        guard let resource = values["sr"], !resource.isEmpty else {
            throw DPSCoreError(.sasMalformed, "SAS token has no sr", requirement: .dpsAuthSas001)
        }
        guard let encodedSignature = values["sig"], !encodedSignature.isEmpty else {
            throw DPSCoreError(.sasMalformed, "SAS token has no sig", requirement: .dpsAuthSas001)
        }
        guard let expiryText = values["se"], let expiry = Int64(expiryText), expiry >= 0 else {
            throw DPSCoreError(.sasMalformed, "SAS token se is missing or not a decimal number of seconds", requirement: .dpsAuthSas001)
        }
        self.init(resource: resource, signature: try PercentEncoding.decode(encodedSignature), expiry: expiry,
                  keyName: try values["skn"].map(PercentEncoding.decode), fieldOrder: order)
    }

    static func fieldName(_ piece: Substring) -> String {
        // Never echo a signature value into an error message.
        piece.hasPrefix("sig") ? "sig" : String(piece.prefix(24))
    }

    static func decodeKey(_ keyBase64: String) throws -> SymmetricKey {
        guard let bytes = Data(base64Encoded: keyBase64), !bytes.isEmpty else {
            throw DPSCoreError(.keyNotBase64, "symmetric key is not non-empty base64")
        }
        return SymmetricKey(data: bytes)
    }
}
