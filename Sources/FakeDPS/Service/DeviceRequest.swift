import DPSCore

/// Who a request claims to come from: taken from the MQTT username or the HTTPS path.
public struct DeviceIdentity: Sendable, Hashable {
    public var idScope: String
    public var registrationID: String
    public var apiVersion: String

    public init(idScope: String, registrationID: String, apiVersion: String) {
        self.idScope = idScope
        self.registrationID = registrationID
        self.apiVersion = apiVersion
    }

    /// The device as responses are routed to it: ID scope and registration ID, both compared
    /// case-insensitively (the API version does not matter).
    public var routingKey: String { "\(idScope.lowercased())/\(registrationID.lowercased())" }
}

/// What a device presented to prove its identity.
public struct DeviceCredentials: Sendable, Hashable {
    /// The SAS token text (MQTT password or HTTP Authorization header), if any.
    public var sasToken: String?
    /// DER certificates the device presented in the TLS handshake, leaf first.
    public var clientCertificateChain: [[UInt8]]

    public init(sasToken: String?, clientCertificateChain: [[UInt8]] = []) {
        self.sasToken = sasToken
        self.clientCertificateChain = clientCertificateChain
    }
}

/// A device request as the service sees it, whatever the transport.
public struct DeviceRequest: Sendable, Hashable {
    public var kind: DeviceRequestKind
    public var identity: DeviceIdentity
    /// The operation a poll asks about.
    public var operationID: String?
    /// The request body (register and status lookup); ignored for polls.
    public var body: [UInt8]

    public init(kind: DeviceRequestKind, identity: DeviceIdentity, operationID: String? = nil, body: [UInt8] = []) {
        self.kind = kind
        self.identity = identity
        self.operationID = operationID
        self.body = body
    }
}

/// The outcome of checking a device's credentials against the enrollments.
public enum AttestationOutcome: Sendable, Hashable {
    /// The device is who it claims; the enrollment it matched.
    case verified(EnrollmentMatch)
    /// The device was refused; the response that says why.
    case refused(ServiceResponse, reason: String, requirement: RequirementID? = nil)

    /// Whether the device proved its identity.
    public var isVerified: Bool {
        if case .verified = self { return true }
        return false
    }

    /// The rule the credentials broke, when the refusal names one (SAS shape, resource, expiry,
    /// signature, derived key).
    public var violatedRequirement: RequirementID? {
        if case .refused(_, _, let requirement) = self { return requirement }
        return nil
    }
}
