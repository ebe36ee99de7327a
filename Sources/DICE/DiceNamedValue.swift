/// One named output of a DICE derivation, as `dpsconform dice derive --json` lists it.
///
/// Names are those of the known-answer vector file (`udsDigest`, `cdi`, `aliasCertPem`, …).
public struct DiceNamedValue: Sendable, Hashable, CustomStringConvertible {
    /// The vector-file name of the value.
    public let name: String
    /// Lower-case hex for bytes, decimal for lengths, the text itself for PEMs and IDs.
    public let value: String
    /// True for values that let anyone impersonate the device (UDS, CDI, seeds, KDF outputs,
    /// private keys, the Alias key PEM): never log them unredacted.
    public let isSecret: Bool

    public init(name: String, value: String, isSecret: Bool) {
        self.name = name
        self.value = value
        self.isSecret = isSecret
    }

    /// The value, or `<redacted>` when it is a secret.
    public var redactedValue: String { isSecret ? "<redacted>" : value }

    /// `name=value` with secrets redacted.
    public var description: String { "\(name)=\(redactedValue)" }
}

extension Array where Element == DiceNamedValue {
    /// The value called `name`, if present.
    public func value(named name: String) -> String? { first { $0.name == name }?.value }

    /// The same list with every secret value replaced by `<redacted>`.
    public var redacted: [DiceNamedValue] {
        map { DiceNamedValue(name: $0.name, value: $0.redactedValue, isSecret: $0.isSecret) }
    }
}
