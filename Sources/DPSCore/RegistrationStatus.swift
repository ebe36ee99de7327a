/// The state of a registration operation (`status` in RegistrationOperationStatus and
/// DeviceRegistrationResult; SPEC models.tsp `EnrollmentStatus`). Unknown values are kept so a
/// check can say what the service or device actually sent.
public enum RegistrationStatus: Sendable, Hashable {
    case unassigned
    case assigning
    case assigned
    case failed
    case disabled
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "unassigned": self = .unassigned
        case "assigning": self = .assigning
        case "assigned": self = .assigned
        case "failed": self = .failed
        case "disabled": self = .disabled
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .unassigned: "unassigned"
        case .assigning: "assigning"
        case .assigned: "assigned"
        case .failed: "failed"
        case .disabled: "disabled"
        case .other(let value): value
        }
    }

    /// Terminal states end polling (Microsoft Learn iot-dps-mqtt-support: assigned, failed, disabled).
    public var isTerminal: Bool {
        switch self {
        case .assigned, .failed, .disabled: true
        default: false
        }
    }
}

extension RegistrationStatus: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Why an assigned device ended where it did (DPS TypeSpec `AssignedDeviceSubstatus`).
public enum AssignmentSubstatus: String, Sendable, Hashable, Codable, CaseIterable {
    case initialAssignment
    case deviceDataMigrated
    case deviceDataReset
    case reprovisionedToInitialAssignment
}
