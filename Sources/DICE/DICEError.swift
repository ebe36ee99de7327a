/// The one error type of the DICE module.
///
/// Callers match on ``code`` (stable across releases); ``reason`` is for humans and names the
/// field, line or offset at fault. No secret (UDS, key, seed) is ever part of a reason.
public struct DICEError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers of every failure the DICE module reports.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The UDS string is not exactly 64 characters long (dps_cert_gen `udsStringValidated`).
        case udsWrongLength = "UDS_WRONG_LENGTH"
        /// A UDS character is not a hexadecimal digit.
        case udsNotHex = "UDS_NOT_HEX"
        /// The registration ID is empty or longer than 128 characters.
        case registrationIdLength = "REGISTRATION_ID_LENGTH"
        /// The registration ID has a character outside `[a-z0-9-]`.
        case registrationIdCharacter = "REGISTRATION_ID_CHARACTER"
        /// The linker map has no line with the searched symbol and `0x`.
        case mapSymbolMissing = "MAP_SYMBOL_MISSING"
        /// The address after `0x` on the symbol's line cannot be read (no digits, zero, overflow).
        case mapAddressUnparsable = "MAP_ADDRESS_UNPARSABLE"
        /// A region's stop address lies before its start address.
        case regionStopBeforeStart = "REGION_STOP_BEFORE_START"
        /// A region lies (partly) outside the `.bin` image.
        case regionOutsideBinary = "REGION_OUTSIDE_BINARY"
        /// riot_core is shorter than the 8 bytes DICE requires (`_DiceMeasure`).
        case riotCoreTooShort = "RIOT_CORE_TOO_SHORT"
        /// The one-block KDF produced a value outside `1..<n`; the reference would loop forever.
        case kdfOutputOutOfRange = "KDF_OUTPUT_OUT_OF_RANGE"
        /// The Alias TBS cannot be encoded (`DERAddUTF8String` refuses strings of 127+ bytes).
        case aliasTBSEncodingFailed = "ALIAS_TBS_ENCODING_FAILED"
        /// ECDSA produced r = 0 or s = 0 (astronomically unlikely; the reference would retry with the same k).
        case signatureDegenerate = "SIGNATURE_DEGENERATE"
        /// A presented certificate is not the DER of an ECDSA-P256-SHA256 X.509 certificate.
        case certificateMalformed = "CERTIFICATE_MALFORMED"
        /// A PEM text has no certificate block or invalid base64.
        case pemMalformed = "PEM_MALFORMED"
    }

    /// What went wrong, stable for matching.
    public let code: Code
    /// Human explanation naming the field, line or offset at fault (never a secret).
    public let reason: String
    /// Where the error was raised, for diagnosis.
    public let location: String

    init(_ code: Code, _ reason: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.location = "\(fileID):\(line)"
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
