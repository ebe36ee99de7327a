/// A registration ID as dps_cert_gen and the DevKit firmware accept it: 1 to 128 characters of
/// `[a-z0-9-]` (TOOL `registrationIdValidated`; dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment).
///
/// IDs of 127 or 128 characters pass this validation but cannot be encoded into the Alias
/// certificate (``certificateEncodable`` is false; derivation reports `ALIAS_TBS_ENCODING_FAILED`).
public struct DevKitRegistrationID: Sendable, Hashable, CustomStringConvertible {
    /// The validated ID; it becomes the Alias certificate's subject CN.
    public let value: String

    /// Longest ID the validators accept.
    public static let maximumLength = 128
    /// Longest ID the RIoT DER encoder can put into a UTF8String (`DERAddUTF8String` asserts `< 127`).
    public static let maximumEncodableLength = 126

    /// Validates `value` the way dps_cert_gen does.
    public init(_ value: String) throws(DICEError) {
        let chars = Array(value.utf8)
        guard !chars.isEmpty, chars.count <= Self.maximumLength else {
            throw DICEError(.registrationIdLength,
                            "registration ID must be 1 to \(Self.maximumLength) characters, got \(chars.count)")
        }
        for (index, c) in chars.enumerated() {
            let ok = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-")
            guard ok else {
                throw DICEError(.registrationIdCharacter,
                                "registration ID character at position \(index + 1) (1-based) is not in [a-z0-9-]")
            }
        }
        self.value = value
    }

    /// Whether the certificate encoder can carry this ID (at most 126 characters).
    public var certificateEncodable: Bool { value.utf8.count <= Self.maximumEncodableLength }

    public var description: String { value }
}
