/// The DevKit's Unique Device Secret: 32 bytes, entered as 64 hex characters.
///
/// It is the root of every DevKit key, so it never appears in a description or an error.
public struct UniqueDeviceSecret: Sendable, Hashable, CustomStringConvertible {
    /// The 32 raw bytes DICE hashes (dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment).
    public let bytes: [UInt8]

    /// Parses the 64-character hex form exactly as dps_cert_gen does: each character on its own,
    /// either case, `byte[i] = hi << 4 | lo`; no trimming, no `0x` prefix.
    public init(hex text: String) throws(DICEError) {
        let chars = Array(text.utf8)
        guard chars.count == 64 else {
            throw DICEError(.udsWrongLength, "UDS must be 64 hex characters, got \(chars.count)")
        }
        var out = [UInt8](repeating: 0, count: 32)
        for (position, c) in chars.enumerated() {
            guard let value = hexDigitValue(c) else {
                throw DICEError(.udsNotHex, "UDS character at position \(position + 1) (1-based) is not a hex digit")
            }
            out[position / 2] |= position % 2 == 0 ? value << 4 : value
        }
        bytes = out
    }

    /// Wraps 32 raw bytes (for callers that hold the UDS in binary).
    public init(bytes: [UInt8]) throws(DICEError) {
        guard bytes.count == 32 else {
            throw DICEError(.udsWrongLength, "UDS must be 32 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Redacted: the UDS is a secret.
    public var description: String { "UniqueDeviceSecret(<redacted>)" }
}
