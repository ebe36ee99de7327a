/// The one error type of the Device module for input it cannot use (credentials, DICE inputs,
/// CSR material, output files): a stable `code` to match on and a human `reason` that names the
/// field or file at fault and never repeats a secret.
public struct DeviceError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A symmetric or group key is not base64.
        case keyNotBase64
        /// A certificate or key file cannot be read or is not PEM.
        case certificateUnreadable
        /// The DICE inputs (UDS, firmware, map) cannot produce an Alias certificate.
        case diceDerivationFailed
        /// A private file or directory could not be written.
        case fileNotWritable
        /// A certificate signing request could not be built.
        case csrFailed
        /// A device profile name is unknown.
        case unknownProfile
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
