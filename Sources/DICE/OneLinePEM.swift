import Foundation

/// PEM as RIoT writes it (`DERtoPEM`, RiotX509Bldr.c, microsoft/devkit-sdk): the whole base64 on ONE line, no
/// 64-column wrapping, every line ending in `\n`.
public enum OneLinePEM {
    /// PEM labels RIoT emits.
    public enum Label: String, Sendable {
        case certificate = "CERTIFICATE"
        case publicKey = "PUBLIC KEY"
        case ecPrivateKey = "EC PRIVATE KEY"
    }

    /// Encodes `der` under `label`.
    public static func encode(_ der: [UInt8], label: Label) -> String {
        "-----BEGIN \(label.rawValue)-----\n" + Data(der).base64EncodedString() + "\n-----END \(label.rawValue)-----\n"
    }

    /// DER of every `label` block in `text` (one-line or wrapped base64, LF or CRLF).
    public static func decodeAll(_ text: String, label: Label = .certificate) throws(DICEError) -> [[UInt8]] {
        let begin = "-----BEGIN \(label.rawValue)-----"
        let end = "-----END \(label.rawValue)-----"
        var blocks: [[UInt8]] = []
        var body: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line == begin {
                body = ""
            } else if line == end, let collected = body {
                guard let data = Data(base64Encoded: collected) else {
                    throw DICEError(.pemMalformed, "PEM block \(blocks.count + 1) has invalid base64")
                }
                blocks.append(Array(data))
                body = nil
            } else if body != nil {
                body? += line
            }
        }
        guard body == nil else { throw DICEError(.pemMalformed, "PEM block \(blocks.count + 1) has no END line") }
        guard !blocks.isEmpty else { throw DICEError(.pemMalformed, "no '\(begin)' block found") }
        return blocks
    }
}
