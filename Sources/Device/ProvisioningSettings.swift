import DPSCore

/// Everything the reference client needs to provision one device.
public struct ProvisioningSettings: Sendable {
    public var endpoint: ServiceEndpoint
    public var registrationID: String
    public var credential: DeviceCredential
    public var apiVersion: String
    /// Custom payload JSON text, inserted verbatim into the register body.
    public var payloadJSON: String?
    /// Overall deadline for the whole provisioning (DPS-FLOW-DEADLINE-001).
    public var deadline: Duration
    /// How long to wait for any single response (PY and NODE use 30 s, §2.9).
    public var responseTimeout: Duration
    /// How long to wait for TCP, TLS and CONNACK.
    public var connectTimeout: Duration
    /// Lifetime of SAS tokens (PY and NODE use one hour, §4.1).
    public var sasTokenLifetime: Duration
    public var retry: RetryPolicy

    public init(endpoint: ServiceEndpoint, registrationID: String, credential: DeviceCredential,
                apiVersion: String = APIVersion.deviceDefault, payloadJSON: String? = nil,
                deadline: Duration = .seconds(300), responseTimeout: Duration = .seconds(30),
                connectTimeout: Duration = .seconds(30), sasTokenLifetime: Duration = .seconds(3600),
                retry: RetryPolicy = RetryPolicy()) {
        self.endpoint = endpoint
        self.registrationID = registrationID
        self.credential = credential
        self.apiVersion = apiVersion
        self.payloadJSON = payloadJSON
        self.deadline = deadline
        self.responseTimeout = responseTimeout
        self.connectTimeout = connectTimeout
        self.sasTokenLifetime = sasTokenLifetime
        self.retry = retry
    }
}
