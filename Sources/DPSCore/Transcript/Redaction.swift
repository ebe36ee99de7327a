import Crypto
import Foundation

/// The one redaction rule of every transcript, log and report: a SAS token keeps everything but
/// its signature (`sig=REDACTED`), so its shape, resource and expiry can still be checked; any
/// other credential is removed whole; free text loses the value of every `sig=`.
public enum Redaction {
    /// `text` with the value of every `sig=` replaced.
    public static func text(_ text: String) -> String {
        guard text.contains("sig=") else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "sig=") {
            result += rest[..<range.upperBound] + "REDACTED"
            rest = rest[range.upperBound...]
            rest = rest.drop(while: { $0 != "&" && $0 != " " && $0 != "\"" && $0 != "\n" })
        }
        return result + rest
    }

    /// Older name of `text(_:)`, kept for the log lines that use it.
    public static func sasSignatures(in text: String) -> String { Self.text(text) }

    /// `bytes` as text with SAS signatures replaced; bytes without a `sig=` are returned as they are.
    public static func bytes(_ bytes: [UInt8]) -> [UInt8] {
        let marker = Array("sig=".utf8)
        guard bytes.count >= marker.count,
              (0...(bytes.count - marker.count)).contains(where: { bytes[$0..<$0 + marker.count].elementsEqual(marker) }) else {
            return bytes
        }
        return Array(text(String(decoding: bytes, as: UTF8.self)).utf8)
    }
}

/// A credential (MQTT password or HTTP `Authorization`) as it may be recorded: a SAS token
/// without its signature, or only the length of anything else.
public struct RedactedCredential: Sendable, Hashable, Codable {
    /// The recordable text: `SharedAccessSignature sr=...&sig=REDACTED&se=...`, or `REDACTED (N characters)`.
    public let text: String
    /// Whether the credential parsed as a SAS token (then `text` is that token, redacted).
    public let isSASToken: Bool

    public init(_ credential: String) {
        if let token = try? SASToken(parsing: credential) {
            text = token.redacted
            isSASToken = true
        } else if credential.hasPrefix("SharedAccessSignature ") {
            // Malformed tokens keep their shape for DPS-AUTH-SAS-001, minus any signature.
            text = Redaction.text(credential)
            isSASToken = false
        } else {
            text = "REDACTED (\(credential.utf8.count) characters)"
            isSASToken = false
        }
    }

    /// A credential as a record already holds it (redacted when it was made).
    public init(recorded text: String) {
        self.text = text
        isSASToken = (try? SASToken(parsing: text)) != nil
    }

    /// The token, when the credential was a well-formed SAS token (its signature is `REDACTED`).
    public var sasToken: SASToken? { isSASToken ? try? SASToken(parsing: text) : nil }
}

/// A payload or body as text: lossy UTF-8 with SAS signatures redacted, the first `limit` bytes
/// kept; `truncated` says when more was sent (the record's size field has the full size).
/// A bounded transcript (`serve`) keeps a large payload as its digest only: no text,
/// `truncated`, and `sha256` of the redacted payload, so memory per event stays small while
/// equal payloads can still be recognised.
public struct PayloadText: Sendable, Hashable, Codable {
    /// Bytes of text kept per payload in a transcript.
    public static let limit = 16 * 1024

    public var text: String
    public var truncated: Bool
    /// Lower-case hex SHA-256 of the whole payload after redaction, when only the digest was kept.
    public var sha256: String?

    public init(_ bytes: [UInt8]) {
        self.init(bytes, textLimit: nil)
    }

    /// `bytes` as text when it is at most `textLimit` bytes (nil: up to `limit` of text), else
    /// as its digest only.
    public init(_ bytes: [UInt8], textLimit: Int?) {
        if let textLimit, bytes.count > textLimit {
            text = ""
            truncated = true
            sha256 = SHA256.hash(data: Redaction.bytes(bytes)).map { String(format: "%02x", $0) }.joined()
        } else {
            let kept = bytes.count > Self.limit ? Array(bytes.prefix(Self.limit)) : bytes
            text = String(decoding: Redaction.bytes(kept), as: UTF8.self)
            truncated = bytes.count > Self.limit
            sha256 = nil
        }
    }

    /// The bytes of the kept text.
    public var bytes: [UInt8] { Array(text.utf8) }
}
