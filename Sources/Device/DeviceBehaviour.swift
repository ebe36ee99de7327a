/// The switch points of the provisioning logic. The reference client and every mutant run the
/// same code; a profile only flips the one switch its fault lives behind.
struct DeviceBehaviour: Sendable, Hashable {
    enum RequestIDs: Sendable, Hashable {
        /// A fresh UUID per request, retries included (DPS-FLOW-RID-001; the Python SDK and the Node SDK).
        case fresh
        /// The same `$rid` every time (the Embedded C SDK sample's `$rid=1`).
        case constant(String)
    }

    enum WaitRule: Sendable, Hashable {
        /// Honour retry-after within the policy's range; back off otherwise (DPS-FLOW-RETRY-001/002).
        case reference
        /// Always the default poll interval.
        case ignoreRetryAfter
        /// Always this short interval.
        case fixed(Duration)
        /// Fixed 2 s after the register reply only, reference rules afterwards (the Python SDK).
        case ignoreInitialRetryAfter
        /// The C SDK's `parse_retry_after_value`.
        case cSDK
    }

    var requestIDs: RequestIDs = .fresh
    var subscribesBeforePublishing = true
    var questionMarkUsername = false
    var signsDecodedResource = false
    var waitRule: WaitRule = .reference
    /// 4xx other than 429 are final (DPS-FLOW-ERR-001).
    var permanentErrorsAreFinal = true
    /// 429 and 5xx are retried (DPS-FLOW-TRANSIENT-001).
    var retriesThrottling = true
    /// Only `assigned`, `failed`, `disabled`, `unassigned` end the run (DPS-FLOW-POLL-001).
    var assigningIsFinal = false
    var honoursDeadline = true
    var disconnects = true
    /// Polls the operation after `assigning` instead of registering again (DPS-FLOW-POLL-001).
    var pollsOperation = true
    /// How packets and requests look on the wire (the wire-form mutants bend one detail).
    var wireForm: WireForm = .reference
    /// How the SAS token is made (the credential mutants get one part wrong).
    var token: TokenForm = .reference
    /// What the register body holds.
    var registerBody: RegisterBodyForm = .reference
    /// Reconnects with a fresh token before the old one expires (DPS-AUTH-SAS-005).
    var renewsToken = true
    /// Stops at a terminal status (DPS-FLOW-TERM-001); the mutant polls once more.
    var stopsAtTerminalStatus = true
    /// Keeps the operation ID across a retriable error to a poll (DPS-FLOW-OPID-001); the mutant
    /// polls `staleOperationID` instead.
    var keepsOperationOnError = true
    /// Backs off after 429/5xx without retry-after (DPS-FLOW-RETRY-002); the mutant waits 1 s each time.
    var backsOff = true
    /// Tries again after a dropped connection or an unanswered request (DPS-FLOW-RECONNECT-001).
    var reconnects = true
    /// Takes the etag as an opaque string (DPS-FLOW-ETAG-001).
    var etagIsOpaque = true
    /// Asks the registration status lookup, with a csr, before registering (the mutant only).
    var looksUpStatusWithCSR = false
    /// A DICE device's signing nonce when it is not the DevKit's fixed one (the mutant only).
    var diceNonce: [UInt8]?

    /// The constant nonce of the mutant `dice-other-constant-nonce`: 32 bytes, 0x21 to 0x40.
    static let otherConstantNonce: [UInt8] = Array(33...64)

    /// The operation the mutant `loses-operation-on-error` polls after an error: one the service never returned.
    static let staleOperationID = "4.0000000000000000.00000000-0000-0000-0000-000000000000"

    enum TokenForm: Sendable, Hashable {
        case reference
        /// No `se` field.
        case withoutExpiry
        /// `sr` names another device (and the signature is over that `sr`).
        case forAnotherDevice
        /// `se` an hour in the past.
        case expired
        /// Signed with the enrollment group's key itself, not the key derived from it.
        case signedWithGroupKey
    }

    enum RegisterBodyForm: Sendable, Hashable {
        case reference
        /// The custom payload padded past the 96 KB message limit.
        case oversized
        /// A JSON object without `registrationId`.
        case withoutRegistrationID
        /// `registrationId=...` form-encoded.
        case formEncoded
    }

    init(profile: DeviceProfile) {
        guard case .mutant(let mutant) = profile else { return }
        switch mutant {
        case .ignoresRetryAfter: waitRule = .ignoreRetryAfter
        case .pollsEvery100ms: waitRule = .fixed(.milliseconds(100))
        case .reusesRid: requestIDs = .constant("1")
        case .publishesBeforeSubscribing: subscribesBeforePublishing = false
        case .questionMarkAPIVersion: questionMarkUsername = true
        case .signsDecodedSr: signsDecodedResource = true
        case .retries4xxForever: permanentErrorsAreFinal = false
        case .givesUpOnFirst429: retriesThrottling = false
        case .first202IsFinal: assigningIsFinal = true
        case .noDeadline: honoursDeadline = false
        case .neverDisconnects: disconnects = false
        case .reRegistersInsteadOfPolling: pollsOperation = false
        case .ignoresInitialRetryAfter: waitRule = .ignoreInitialRetryAfter
        case .csdkRetryAfter: waitRule = .cSDK
        case .clientIDNotRegistrationID: wireForm.clientIDSuffix = "-other"
        case .usernameForAnotherDevice: wireForm.usernameDevice = "another-device"
        case .registerTopicWithoutSlash: wireForm.registerTopicSlash = false
        case .pollWithoutRequestID: wireForm.pollTopicRequestID = false
        case .pollWithoutOperationID: wireForm.pollTopicOperationID = false
        case .publishesTelemetry: wireForm.publishesTelemetry = true
        case .publishesQoS2: wireForm.requestQoS = 2
        case .skipsHostnameCheck: wireForm.verifiesServerHostname = false
        case .registersWithPOST: wireForm.registerMethod = "POST"
        case .omitsAPIVersion: wireForm.sendsAPIVersion = false
        case .formEncodedBody: registerBody = .formEncoded
        case .statusLookupWithCSR: looksUpStatusWithCSR = true
        case .malformedHTTPHeader: wireForm.malformedHeader = true
        case .oversizedRegister: registerBody = .oversized
        case .registerWithoutRegistrationID: registerBody = .withoutRegistrationID
        case .sasWithoutExpiry: token = .withoutExpiry
        case .sasForAnotherDevice: token = .forAnotherDevice
        case .expiredSAS: token = .expired
        case .signsWithGroupKey: token = .signedWithGroupKey
        case .neverRenewsSAS: renewsToken = false
        case .pollsAfterAssigned: stopsAtTerminalStatus = false
        case .losesOperationOnError: keepsOperationOnError = false
        case .retriesWithoutBackoff: backsOff = false
        case .noReconnect: reconnects = false
        case .parsesEtag: etagIsOpaque = false
        case .diceOtherConstantNonce: diceNonce = Self.otherConstantNonce
        }
    }
}
