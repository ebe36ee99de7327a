/// The one error type of DPSCore: a stable `code` to match on and a human `reason`.
public struct DPSCoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers of everything DPSCore refuses.
    public enum Code: String, Sendable, Hashable {
        case invalidJSON
        case topicNotMatched
        case topicMissingProperty
        case topicMalformedProperty
        case invalidStatusCode
        case invalidRetryAfter
        case invalidPercentEncoding
        case usernameMalformed
        case usernameWrongSeparator
        case registrationIDInvalid
        case idScopeInvalid
        case sasMalformed
        case sasWrongResource
        case sasExpired
        case sasSignatureMismatch
        case keyNotBase64
    }

    public let code: Code
    public let reason: String
    /// The requirement a device or service broke, when the refusal is a protocol rule.
    public let requirement: RequirementID?

    public init(_ code: Code, _ reason: String, requirement: RequirementID? = nil) {
        self.code = code
        self.reason = reason
        self.requirement = requirement
    }

    public var description: String {
        if let requirement { return "\(reason) [\(requirement)]" }
        return reason
    }
}
