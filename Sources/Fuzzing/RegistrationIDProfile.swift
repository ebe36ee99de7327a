import DPSCore

/// What the oracle expects of one ID: every service must accept it, must refuse it, or may do either.
public enum IDVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    case valid
    case invalid
    case acceptable
}

/// The rule profile the registration-ID oracle judges by (Microsoft Learn concepts-service
/// "Registration ID"; the DPS OpenAPI description; Microsoft Learn concepts-x509-attestation for the
/// 64-character CN limit). The fake under test applies the same registration-ID policy.
public enum RegistrationIDProfile: String, Sendable, Hashable, CaseIterable, Codable {
    /// Up to 128 of `A-Z a-z 0-9 - . _ :`, last alphanumeric or `-`.
    case documented
    /// The specification's wording: no special character first or last either.
    case spec
    /// The legacy route text: lower-case alphanumerics and `-`.
    case legacyLowercase = "legacy-lowercase"

    public var policy: RegistrationIDPolicy {
        switch self {
        case .documented: .documented
        case .spec: .spec
        case .legacyLowercase: .legacyLowercase
        }
    }

    /// The longest ID an X.509 device can have: its CN holds it (RFC 5280 ub-common-name 64).
    public static let x509Limit = 64

    /// Valid or invalid under this profile for a device with `credential`, and the rule an invalid
    /// ID breaks.
    public func judge(_ id: String, credential: FuzzCredential) -> (verdict: IDVerdict, rule: RequirementID?) {
        do {
            try policy.validate(id)
        } catch let error as DPSCoreError {
            return (.invalid, error.requirement ?? .dpsId002)
        } catch {
            return (.invalid, .dpsId002)
        }
        if credential == .x509, id.utf8.count > Self.x509Limit { return (.invalid, .dpsAuthX509001) }
        return (.valid, nil)
    }
}
