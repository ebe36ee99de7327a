import DPSCore

/// Settings of the fake service. Every behaviour the sources leave open is a setting here, with
/// the default that matches what real clients were seen to get.
public struct ServiceConfiguration: Sendable {
    public var idScope: String
    public var enrollments: EnrollmentSet
    /// Polls answered `assigning` before the operation is ready (after the register reply).
    public var assigningPolls: Int
    /// Clock time an operation stays `assigning` after register.
    public var assigningTime: Duration
    /// `retry-after` sent with every 202 (Microsoft Learn iot-dps-mqtt-support; 3 as observed).
    public var retryAfterSeconds: Int
    /// Expiry tolerance of SAS tokens (Microsoft Learn concepts-symmetric-key-attestation: Microsoft's parser allows 5 minutes).
    public var sasClockSkew: Duration
    /// Which registration-ID rule the service applies (Microsoft Learn concepts-service).
    public var registrationIDPolicy: RegistrationIDPolicy
    /// Whether the MQTT client id must equal the registration ID in the username (DPS behaviour).
    public var requireClientIDMatch: Bool
    /// How an attestation failure is reported on MQTT.
    public var mqttAuthFailure: MQTTAuthFailureMode
    /// Whether an X.509 device's certificate CN must equal its registration ID (Microsoft Learn concepts-x509-attestation; some
    /// report DPS has relaxed this, Azure/iot-identity-service PR 123).
    public var requireCommonNameMatch: Bool = true
    /// Per-device poll limit (Microsoft Learn DPS quotas and limits: 5 per 10 s); nil turns it off.
    public var pollLimit: RateLimit? = .devicePolling
    /// Per-device register limit; registers are throttled separately from polls. Off by default.
    public var registerLimit: RateLimit?
    /// Service-wide operation limit (Microsoft Learn DPS quotas and limits: 1,000 per minute per unit); nil turns it off.
    public var serviceLimit: RateLimit? = .serviceOperations
    /// Scripted misbehaviour; empty by default.
    public var faultPlan = FaultPlan()
    /// TLS of the front ends: certificate faults and accepted versions.
    public var serverTLS = ServerTLSSettings()
    /// How long a registration operation is kept after it was created (clock time); older ones
    /// are forgotten, so a long-running fake's memory stays bounded (a poll for one is answered
    /// 404 / 404202, as for any unknown operation). nil keeps every operation, as a scenario
    /// case does; `serve` keeps them 3,600 s by default.
    public var operationRetention: Duration?
    /// Deliberate intolerance, to show service-side rules failing; none by default.
    public var quirks = ServiceQuirks()
    /// A deliberate defect, for proving that the fuzzers catch one (never set by `serve` or a scenario).
    public var deliberateWeakness: DeliberateWeakness?

    public init(idScope: String = "0ne0000FAKE", enrollments: EnrollmentSet = EnrollmentSet(), assigningPolls: Int = 1,
                assigningTime: Duration = .zero, retryAfterSeconds: Int = 3, sasClockSkew: Duration = .seconds(300),
                registrationIDPolicy: RegistrationIDPolicy = .documented, requireClientIDMatch: Bool = true,
                mqttAuthFailure: MQTTAuthFailureMode = .respond401) {
        self.idScope = idScope
        self.enrollments = enrollments
        self.assigningPolls = assigningPolls
        self.assigningTime = assigningTime
        self.retryAfterSeconds = retryAfterSeconds
        self.sasClockSkew = sasClockSkew
        self.registrationIDPolicy = registrationIDPolicy
        self.requireClientIDMatch = requireClientIDMatch
        self.mqttAuthFailure = mqttAuthFailure
    }
}

/// Where a failed attestation surfaces on MQTT. Whether real DPS refuses at CONNACK is unconfirmed
/// (Microsoft Learn iot-dps); the the Embedded C SDK parser test shows a `401` response with 401002, so that is the default.
public enum MQTTAuthFailureMode: String, Sendable, Hashable, CaseIterable {
    /// Accept the connection and answer the register request with 401 / 401002 (default).
    case respond401
    /// Refuse the connection with CONNACK 5 (not authorised).
    case connackNotAuthorized
}

/// Departures from what DPS tolerates, each off by default: a scenario turns one on to show a
/// service-side rule (DPS-SVC-*) failing, so a device script is seen to catch it
/// (Scenarios/service-tolerance.yaml).
public struct ServiceQuirks: Sendable, Hashable {
    /// false: response topics carry no `$rid` (breaks DPS-SVC-RID-001).
    public var requestIDEcho = true
    /// CONNACK says a session is present (breaks DPS-SVC-SESSION-001).
    public var sessionPresent = false
    /// A CONNECT with keepalive 0 is refused with CONNACK 2 (breaks DPS-SVC-KEEPALIVE-001).
    public var rejectKeepAliveZero = false
    /// A QoS 0 PUBLISH is acknowledged with a PUBACK too (breaks DPS-SVC-QOS-001).
    public var pubAckQoS0 = false
    /// A poll whose MQTT payload is not empty is answered 400 (breaks DPS-SVC-POLL-001).
    public var rejectPollPayload = false
    /// A register body with `"payload": null` is answered 400 (breaks DPS-SVC-PAYLOAD-001).
    public var rejectNullPayload = false
    /// A SAS token whose `sr` is not upper-case percent-encoded is refused (breaks DPS-SVC-SAS-001).
    public var sasUpperHexOnly = false
    /// A SAS token without `skn` is refused (breaks DPS-SVC-SAS-002).
    public var requireSkn = false
    /// A SAS token whose fields are not in the order sr, sig, se, skn is refused (breaks DPS-SVC-SAS-003).
    public var sasStrictFieldOrder = false
    /// An HTTPS request without a `User-Agent` header is answered 400 (breaks DPS-SVC-HTTP-001).
    public var requireUserAgent = false

    public init() {}
}

/// A defect the fake can be told to have, so a test can show that the matching fuzz target finds
/// it (docs/fuzzing.md). Nothing but those tests sets one.
public enum DeliberateWeakness: String, Sendable, Hashable, CaseIterable {
    /// Registration IDs the configured policy refuses are accepted.
    case acceptsInvalidRegistrationIDs
    /// Certificate signatures in a presented chain are not checked.
    case skipsCertificateSignatures
}
