import DPSCore

/// Everything the reference client needs to provision one device.
public struct ProvisioningSettings: Sendable {
    public var endpoint: ServiceEndpoint
    public var registrationID: String
    public var credential: DeviceCredential
    public var apiVersion: String
    /// Custom payload JSON text, inserted verbatim into the register body.
    public var payloadJSON: String?
    /// Base64 DER PKCS#10 request sent as `csr` (certificate issuance, api-version
    /// 2025-07-01-preview; Microsoft Learn concept-certificate-issuance (preview)). See `CertificateSigningRequestMaterial`.
    public var csr: String?
    /// Overall deadline for the whole provisioning (DPS-FLOW-DEADLINE-001).
    public var deadline: Duration
    /// How long to wait for any single response (the Python SDK and the Node SDK use 30 s, retry handling of the Azure IoT device SDKs).
    public var responseTimeout: Duration
    /// How long to wait for TCP, TLS and CONNACK.
    public var connectTimeout: Duration
    /// Lifetime of SAS tokens (the Python SDK and the Node SDK use one hour, Microsoft Learn concepts-symmetric-key-attestation).
    public var sasTokenLifetime: Duration
    /// A token is renewed (by reconnecting with a fresh one) once it has less than this left
    /// (DPS-AUTH-SAS-005; the Python SDK renews 120 s early). Capped at half the lifetime, so a short lifetime
    /// cannot make the device reconnect in a tight loop (the Python SDK with ttl ≤ 120 s).
    public var sasRenewalMargin: Duration
    public var retry: RetryPolicy

    public init(endpoint: ServiceEndpoint, registrationID: String, credential: DeviceCredential,
                apiVersion: String = APIVersion.deviceDefault, payloadJSON: String? = nil, csr: String? = nil,
                deadline: Duration = .seconds(300), responseTimeout: Duration = .seconds(30),
                connectTimeout: Duration = .seconds(30), sasTokenLifetime: Duration = .seconds(3600),
                sasRenewalMargin: Duration = .seconds(120), retry: RetryPolicy = RetryPolicy()) {
        self.endpoint = endpoint
        self.registrationID = registrationID
        self.credential = credential
        self.apiVersion = apiVersion
        self.payloadJSON = payloadJSON
        self.csr = csr
        self.deadline = deadline
        self.responseTimeout = responseTimeout
        self.connectTimeout = connectTimeout
        self.sasTokenLifetime = sasTokenLifetime
        self.sasRenewalMargin = sasRenewalMargin
        self.retry = retry
    }

    /// The renewal margin actually applied: at most half the token lifetime.
    var effectiveRenewalMargin: Duration {
        min(sasRenewalMargin, sasTokenLifetime / 2)
    }
}
