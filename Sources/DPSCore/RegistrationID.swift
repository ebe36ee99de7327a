/// Registration-ID rules (Microsoft Learn concepts-service). The documented rule and the stricter forms real
/// services and SDKs have applied are all available, because the fake's strictness is a setting.
public enum RegistrationIDPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Microsoft Learn concepts-service: up to 128 characters of `A-Z a-z 0-9 - . _ :`, last character alphanumeric or `-`.
    case documented
    /// SPEC models.tsp wording: no special character at the start or the end either.
    case spec
    /// Legacy route text: lower-case alphanumerics and hyphens only.
    case legacyLowercase

    /// Checks `id`; the error names the rule (`DPS-ID-*`) and the offending position.
    public func validate(_ id: String) throws {
        guard !id.isEmpty else {
            throw DPSCoreError(.registrationIDInvalid, "registration ID is empty", requirement: .dpsId001)
        }
        guard id.utf8.count <= 128 else {
            throw DPSCoreError(.registrationIDInvalid, "registration ID has \(id.utf8.count) characters; at most 128 are allowed", requirement: .dpsId001)
        }
        for (offset, scalar) in id.unicodeScalars.enumerated() {
            guard allowed(scalar) else {
                throw DPSCoreError(.registrationIDInvalid, "registration ID character \(offset + 1) '\(scalar.escaped(asASCII: true))' is not allowed (\(rawValue) rule)", requirement: .dpsId002)
            }
        }
        let scalars = Array(id.unicodeScalars)
        if let last = scalars.last, !(Self.isAlphanumeric(last) || last == "-") {
            throw DPSCoreError(.registrationIDInvalid, "registration ID must end with an alphanumeric character or '-'", requirement: .dpsId003)
        }
        if self == .spec, let first = scalars.first, let last = scalars.last, !Self.isAlphanumeric(first) || !Self.isAlphanumeric(last) {
            throw DPSCoreError(.registrationIDInvalid, "registration ID must start and end with an alphanumeric character (spec rule)", requirement: .dpsId004)
        }
    }

    func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .documented, .spec:
            return Self.isAlphanumeric(scalar) || "-._:".unicodeScalars.contains(scalar)
        case .legacyLowercase:
            return ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
        }
    }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

/// ID-scope rules. The grammar is unconfirmed (Microsoft Learn concepts-service); every example is `0ne` + 8 hex digits, so
/// only what would break topics and usernames is refused.
public enum IDScope {
    public static func validate(_ scope: String) throws {
        guard !scope.isEmpty, scope.utf8.count <= 64 else {
            throw DPSCoreError(.idScopeInvalid, "ID scope must have 1 to 64 characters")
        }
        guard scope.unicodeScalars.allSatisfy(RegistrationIDPolicy.isAlphanumeric) else {
            throw DPSCoreError(.idScopeInvalid, "ID scope '\(scope)' must be alphanumeric")
        }
    }
}
