/// The switch points of the provisioning logic. The reference client and every mutant run the
/// same code; a profile only flips the one switch its fault lives behind.
struct DeviceBehaviour: Sendable, Hashable {
    enum RequestIDs: Sendable, Hashable {
        /// A fresh UUID per request, retries included (DPS-FLOW-RID-001; PY and NODE).
        case fresh
        /// The same `$rid` every time (EMB sample's `$rid=1`).
        case constant(String)
    }

    enum WaitRule: Sendable, Hashable {
        /// Honour retry-after within the policy's range; back off otherwise (DPS-FLOW-RETRY-001/002).
        case reference
        /// Always the default poll interval.
        case ignoreRetryAfter
        /// Always this short interval.
        case fixed(Duration)
        /// Fixed 2 s after the register reply only, reference rules afterwards (PY).
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
        }
    }
}
