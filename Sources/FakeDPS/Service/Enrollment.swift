import DPSCore

/// How an enrolled device proves who it is.
public enum EnrollmentAttestation: Sendable, Hashable {
    /// SAS tokens signed with the primary or secondary key (base64).
    case symmetricKey(primaryKey: String, secondaryKey: String?)

    /// Keys a SAS token may be signed with.
    var symmetricKeys: [String] {
        switch self {
        case .symmetricKey(let primary, let secondary): [primary] + (secondary.map { [$0] } ?? [])
        }
    }

    /// A name for logs and reports; never the key itself.
    public var kindName: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        }
    }
}

/// How the service picks the IoT hub for a device (DOC-SVC allocation policies).
public enum AllocationPolicy: Sendable, Hashable {
    /// Always this hub.
    case `static`(hub: String)
    /// A stable hash of the registration ID picks one of the hubs.
    case hashed(hubs: [String])
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

    public init(registrationID: String, attestation: EnrollmentAttestation, deviceID: String? = nil,
                allocation: AllocationPolicy, enabled: Bool = true, initialPayload: JSONValue? = nil) {
        self.registrationID = registrationID
        self.attestation = attestation
        self.deviceID = deviceID
        self.allocation = allocation
        self.enabled = enabled
        self.initialPayload = initialPayload
    }
}

/// Every enrollment the service knows.
public struct EnrollmentSet: Sendable, Hashable {
    public var individuals: [IndividualEnrollment]

    public init(individuals: [IndividualEnrollment] = []) {
        self.individuals = individuals
    }

    /// The individual enrollment for `registrationID`. Registration IDs are case-insensitive (DOC-SVC).
    func individual(for registrationID: String) -> IndividualEnrollment? {
        let wanted = registrationID.lowercased()
        return individuals.first { $0.registrationID.lowercased() == wanted }
    }
}

extension AllocationPolicy {
    /// The hub for `registrationID`. A hashed policy with no hubs yields nil (no hub linked, 400208).
    func hub(for registrationID: String) -> String? {
        switch self {
        case .static(let hub):
            return hub
        case .hashed(let hubs):
            guard !hubs.isEmpty else { return nil }
            // FNV-1a: stable across runs and platforms, unlike Hasher.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in registrationID.lowercased().utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return hubs[Int(hash % UInt64(hubs.count))]
        }
    }
}
