import DPSCore

/// How a provisioning attempt ended, as `dpsconform provision` prints it. Holds no secrets.
public struct ProvisioningOutcome: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case assigned
        case failed
        case disabled
        case unassigned
        /// The service refused a request with a permanent 4xx.
        case rejected
        /// The overall deadline passed.
        case timedOut
        /// No connection could be made at all (TCP, TLS, CONNACK refusal).
        case connectionFailed
        /// The service sent something the client cannot use.
        case protocolError
        /// The device stopped before a final answer and before its deadline (read from what the
        /// service told it, for an external device).
        case abandoned
    }

    public var status: Status
    public var assignedHub: String?
    public var deviceId: String?
    public var substatus: String?
    public var payload: JSONValue?
    public var errorCode: Int?
    public var message: String?
    public var operationId: String?
    /// Certificates DPS issued for a CSR, base64 DER, leaf first (api-version 2025-07-01-preview).
    public var issuedCertificateChain: [String]?
    /// Clock time from start to end, in seconds (virtual time against the fake).
    public var elapsedSeconds: Double
    /// Register and poll requests sent.
    public var requests: Int
    /// Connections opened (more than one after a drop, a timeout or a SAS renewal).
    public var connections: Int

    public init(status: Status, message: String? = nil, elapsedSeconds: Double = 0, requests: Int = 0, connections: Int = 0) {
        self.status = status
        self.message = message
        self.elapsedSeconds = elapsedSeconds
        self.requests = requests
        self.connections = connections
    }
}
