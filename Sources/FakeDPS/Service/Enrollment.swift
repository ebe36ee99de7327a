import DPSCore

/// How an individually enrolled device proves who it is.
public enum EnrollmentAttestation: Sendable, Hashable {
    /// SAS tokens signed with the primary or secondary key (base64).
    case symmetricKey(primaryKey: String, secondaryKey: String?)
    /// A TLS client certificate: the device's own certificate, or its thumbprint.
    case x509(primary: CertificateReference, secondary: CertificateReference?)

    /// Keys a SAS token may be signed with.
    var symmetricKeys: [String] {
        switch self {
        case .symmetricKey(let primary, let secondary): [primary] + (secondary.map { [$0] } ?? [])
        case .x509: []
        }
    }

    /// A name for logs and reports; never the key itself.
    public var kindName: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        case .x509: "x509"
        }
    }
}

/// A certificate named in an enrollment.
public enum CertificateReference: Sendable, Hashable {
    /// The certificate itself (DER).
    case certificate([UInt8])
    /// Its SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint, any case.
    case thumbprint(String)

    /// Whether `der` is this certificate.
    func matches(_ der: [UInt8]) -> Bool {
        switch self {
        case .certificate(let bytes): return bytes == der
        case .thumbprint(let text):
            let wanted = text.uppercased()
            return wanted == CertificateFacts.sha1Thumbprint(der) || wanted == CertificateFacts.sha256Thumbprint(der)
        }
    }
}

/// How the devices of an enrollment group prove membership.
public enum GroupAttestation: Sendable, Hashable {
    /// Each device signs with `HMAC(groupKey, registrationId)` (a derived key, Microsoft Learn how-to-legacy-device-symm-key).
    case symmetricKey(primaryKey: String, secondaryKey: String?)
    /// The device's chain leads to this CA (root or intermediate, DER).
    case x509CA(primary: [UInt8], secondary: [UInt8]?)

    public var kindName: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        case .x509CA: "x509"
        }
    }
}

/// What happens when an already provisioned device registers again (Microsoft Learn concepts-service reprovisioning).
public enum ReprovisionPolicy: String, Sendable, Hashable, CaseIterable {
    /// Re-provision to the newly allocated hub and migrate the device data (`deviceDataMigrated`).
    case reprovisionAndMigrateData
    /// Re-provision and reset the device to the enrollment's initial state (`deviceDataReset`).
    case reprovisionAndResetToInitialConfig
    /// Never re-provision: the device stays on the hub it was first assigned to.
    case neverReprovision
}

/// An individual enrollment: one device, identified by its registration ID.
public struct IndividualEnrollment: Sendable, Hashable {
    public var registrationID: String
    public var attestation: EnrollmentAttestation
    /// The IoT Hub device ID; defaults to the registration ID.
    public var deviceID: String?
    public var allocation: AllocationPolicy
    public var enabled: Bool
    /// Returned in `registrationState.payload` when assigned.
    public var initialPayload: JSONValue?
    public var reprovision: ReprovisionPolicy

    public init(registrationID: String, attestation: EnrollmentAttestation, deviceID: String? = nil,
                allocation: AllocationPolicy, enabled: Bool = true, initialPayload: JSONValue? = nil,
                reprovision: ReprovisionPolicy = .reprovisionAndMigrateData) {
        self.registrationID = registrationID
        self.attestation = attestation
        self.deviceID = deviceID
        self.allocation = allocation
        self.enabled = enabled
        self.initialPayload = initialPayload
        self.reprovision = reprovision
    }
}

/// An enrollment group: every device that proves membership; its registration ID is its device ID.
public struct EnrollmentGroup: Sendable, Hashable {
    public var groupID: String
    public var attestation: GroupAttestation
    public var allocation: AllocationPolicy
    public var enabled: Bool
    public var initialPayload: JSONValue?
    public var reprovision: ReprovisionPolicy

    public init(groupID: String, attestation: GroupAttestation, allocation: AllocationPolicy, enabled: Bool = true,
                initialPayload: JSONValue? = nil, reprovision: ReprovisionPolicy = .reprovisionAndMigrateData) {
        self.groupID = groupID
        self.attestation = attestation
        self.allocation = allocation
        self.enabled = enabled
        self.initialPayload = initialPayload
        self.reprovision = reprovision
    }
}

/// Every enrollment the service knows.
public struct EnrollmentSet: Sendable, Hashable {
    /// The individual enrollments in file order; the lookup index follows every change.
    public var individuals: [IndividualEnrollment] {
        didSet { index = Self.index(individuals) }
    }
    public var groups: [EnrollmentGroup]
    /// Position of each individual enrollment by lower-cased registration ID (the first one
    /// wins, as a scan in file order would find it): a lookup costs the same for the last of
    /// 100,000 enrollments as for the first.
    private var index: [String: Int]

    public init(individuals: [IndividualEnrollment] = [], groups: [EnrollmentGroup] = []) {
        self.individuals = individuals
        self.groups = groups
        index = Self.index(individuals)
    }

    private static func index(_ individuals: [IndividualEnrollment]) -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(individuals.count)
        for (position, enrollment) in individuals.enumerated() {
            let key = enrollment.registrationID.lowercased()
            if index[key] == nil { index[key] = position }
        }
        return index
    }

    /// The individual enrollment for `registrationID`. Registration IDs are case-insensitive (Microsoft Learn concepts-service).
    func individual(for registrationID: String) -> IndividualEnrollment? {
        index[registrationID.lowercased()].map { individuals[$0] }
    }

    public static func == (lhs: EnrollmentSet, rhs: EnrollmentSet) -> Bool {
        lhs.individuals == rhs.individuals && lhs.groups == rhs.groups
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(individuals)
        hasher.combine(groups)
    }
}

/// The enrollment a verified device matched, whichever kind it is.
public struct EnrollmentMatch: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case individual(registrationID: String)
        case group(groupID: String)
    }

    public var source: Source
    public var deviceID: String
    public var allocation: AllocationPolicy
    public var enabled: Bool
    public var initialPayload: JSONValue?
    public var reprovision: ReprovisionPolicy
    /// What `registrationState` says about the attestation (`x509` or `symmetricKey` block).
    var x509: X509RegistrationResult?
    var symmetricKey: SymmetricKeyRegistrationResult?

    init(individual: IndividualEnrollment, x509: X509RegistrationResult? = nil) {
        source = .individual(registrationID: individual.registrationID)
        deviceID = individual.deviceID ?? individual.registrationID
        allocation = individual.allocation
        enabled = individual.enabled
        initialPayload = individual.initialPayload
        reprovision = individual.reprovision
        self.x509 = x509
    }

    init(group: EnrollmentGroup, registrationID: String, x509: X509RegistrationResult? = nil) {
        source = .group(groupID: group.groupID)
        deviceID = registrationID
        allocation = group.allocation
        enabled = group.enabled
        initialPayload = group.initialPayload
        reprovision = group.reprovision
        self.x509 = x509
        if case .symmetricKey = group.attestation { symmetricKey = SymmetricKeyRegistrationResult(enrollmentGroupId: group.groupID) }
    }
}
