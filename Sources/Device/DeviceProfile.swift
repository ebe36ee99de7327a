import DPSCore

/// Which device the harness plays: the reference client, or a mutant that breaks exactly one rule
/// the way a real client once did. Mutants exist to prove that the conformance checks catch each
/// fault (`--device mutant:NAME`).
public enum DeviceProfile: Sendable, Hashable {
    case reference
    case mutant(MutantProfile)

    /// Parses `reference` or `mutant:NAME` (NAME from `MutantProfile`).
    public init(parsing text: String) throws(DeviceError) {
        if text == "reference" {
            self = .reference
            return
        }
        let prefix = "mutant:"
        guard text.hasPrefix(prefix), let mutant = MutantProfile(rawValue: String(text.dropFirst(prefix.count))) else {
            let names = MutantProfile.allCases.map { "mutant:" + $0.rawValue }.joined(separator: ", ")
            throw DeviceError(.unknownProfile, "device '\(text)' is not 'reference' or one of \(names)")
        }
        self = .mutant(mutant)
    }

    /// `reference` or `mutant:NAME`.
    public var name: String {
        switch self {
        case .reference: "reference"
        case .mutant(let mutant): "mutant:" + mutant.rawValue
        }
    }
}

/// A device that breaks ONE rule, modelled on a real client's bug (known client bugs pitfalls).
public enum MutantProfile: String, Sendable, Hashable, CaseIterable, Codable {
    /// Polls every 2 s whatever retry-after says (Node SDK before PR 555).
    case ignoresRetryAfter = "ignores-retry-after"
    /// Polls every 100 ms, far above the 5-per-10-s device limit.
    case pollsEvery100ms = "polls-every-100ms"
    /// Sends `$rid=1` on every request, like the Embedded C SDK sample.
    case reusesRid = "reuses-rid"
    /// Publishes the register request before subscribing to the response filter.
    case publishesBeforeSubscribing = "publishes-before-subscribing"
    /// Writes `?api-version=` instead of `/api-version=` in the MQTT username.
    case questionMarkAPIVersion = "question-mark-api-version"
    /// Signs the percent-decoded `sr` but sends it encoded.
    case signsDecodedSr = "signs-decoded-sr"
    /// Treats every 4xx as transient and keeps retrying.
    case retries4xxForever = "retries-4xx-forever"
    /// Treats the first 429 as a final failure (C SDK before PR 1703).
    case givesUpOnFirst429 = "gives-up-on-first-429"
    /// Takes the first 202 `assigning` for the end of provisioning and never polls.
    case first202IsFinal = "first-202-is-final"
    /// Has no overall deadline and polls while the service says `assigning`; a hard
    /// safety cap (`safetyCapFactor` × the deadline) still ends it so tests never hang.
    case noDeadline = "no-deadline"
    /// Leaves without MQTT DISCONNECT (Python SDK after a failure).
    case neverDisconnects = "never-disconnects"
    /// Sends the register request again instead of polling the operation.
    case reRegistersInsteadOfPolling = "re-registers-instead-of-polling"
    /// Waits a fixed 2 s after the register reply, ignoring its retry-after (Python SDK).
    case ignoresInitialRetryAfter = "ignores-initial-retry-after"
    /// Reads retry-after like the C SDK: values outside 1...300 and non-numbers become 1 s.
    case csdkRetryAfter = "csdk-retry-after"

    // Wire-form mutants: one detail of a packet or request differs from DPS's form.
    /// Connects with a client id other than its registration ID.
    case clientIDNotRegistrationID = "client-id-not-registration-id"
    /// Connects with a username naming another device.
    case usernameForAnotherDevice = "username-for-another-device"
    /// Publishes the register request to `.../iotdps-register?$rid=` (no '/' before '?').
    case registerTopicWithoutSlash = "register-topic-without-slash"
    /// Polls with a topic that has no `$rid`.
    case pollWithoutRequestID = "poll-without-rid"
    /// Polls with a topic that has no `operationId`.
    case pollWithoutOperationID = "poll-without-operation-id"
    /// Publishes a telemetry message to the DPS connection, as if it were an IoT hub.
    case publishesTelemetry = "publishes-telemetry"
    /// Publishes its requests at QoS 2.
    case publishesQoS2 = "publishes-qos2"
    /// Skips the server certificate's host-name check (the TLS library's "insecure" switch).
    case skipsHostnameCheck = "skips-hostname-check"
    /// Sends the register request as `POST .../register`.
    case registersWithPOST = "registers-with-post"
    /// Leaves `?api-version=` off its HTTPS requests.
    case omitsAPIVersion = "omits-api-version"
    /// Sends the register body form-encoded instead of JSON.
    case formEncodedBody = "form-encoded-body"
    /// Asks the registration status lookup first, with a `csr` in its body.
    case statusLookupWithCSR = "status-lookup-with-csr"
    /// Sends its register request with a header line that has no colon.
    case malformedHTTPHeader = "malformed-http-header"
    /// Pads its register payload past the 96 KB message limit.
    case oversizedRegister = "oversized-register"
    /// Sends a register body without `registrationId`.
    case registerWithoutRegistrationID = "register-without-registration-id"
    // Credential mutants.
    /// Sends a SAS token without `se`.
    case sasWithoutExpiry = "sas-without-expiry"
    /// Signs and sends a token whose `sr` names another device.
    case sasForAnotherDevice = "sas-for-another-device"
    /// Sends a token that expired an hour ago.
    case expiredSAS = "expired-sas"
    /// In a symmetric-key group, signs with the group key itself instead of the derived device key.
    case signsWithGroupKey = "signs-with-group-key"
    /// Keeps its first token past its expiry instead of reconnecting with a fresh one.
    case neverRenewsSAS = "never-renews-sas"
    // Flow mutants.
    /// Polls once more after the registration reached `assigned`.
    case pollsAfterAssigned = "polls-after-assigned"
    /// Forgets the operation after a 429 or 5xx to a poll and polls a stale operation ID.
    case losesOperationOnError = "loses-operation-on-error"
    /// Retries 429 and 5xx without retry-after after a fixed 1 s, never backing off.
    case retriesWithoutBackoff = "retries-without-backoff"
    /// Gives up when the service drops the connection or withholds an answer.
    case noReconnect = "no-reconnect"
    /// Reads the etag as an RFC 9110 entity-tag and refuses an assignment whose etag is not quoted.
    case parsesEtag = "parses-etag"
    /// A DevKit whose firmware replaced RIoT's fixed nonce with another constant: every signature
    /// shares it, and its certificates differ from the release's in their bytes only.
    case diceOtherConstantNonce = "dice-other-constant-nonce"

    /// The requirements the mutant breaks on `transport` (Scenarios/requirements.yaml): the
    /// scenario suite expects each to fail, and a case fails if one holds.
    public func brokenRequirements(on transport: DeviceTransportKind) -> Set<RequirementID> {
        switch self {
        case .ignoresRetryAfter, .ignoresInitialRetryAfter, .pollsEvery100ms: [.dpsFlowRetry001]
        // The C SDK's reading of a retry-after above 300 s is 1 s: too early, and the MAY rule.
        case .csdkRetryAfter: [.dpsFlowRetry001, .dpsFlowRetry003]
        case .reusesRid: [.dpsFlowRid001]
        case .publishesBeforeSubscribing: [.dpsMqttSub001]
        case .questionMarkAPIVersion: [.dpsMqttConn003]
        case .signsDecodedSr: [.dpsAuthSas004]
        case .retries4xxForever: [.dpsFlowErr001]
        case .givesUpOnFirst429: [.dpsFlowTransient001]
        // It stops at `assigning` and reports an assignment the service never made.
        case .first202IsFinal: [.dpsFlowPoll001, .dpsFlowResult001]
        case .noDeadline: [.dpsFlowDeadline001]
        case .neverDisconnects: [.dpsMqttDisc001]
        case .reRegistersInsteadOfPolling: [.dpsFlowPoll001]
        case .clientIDNotRegistrationID: [.dpsMqttConn001]
        case .usernameForAnotherDevice: [.dpsMqttConn002]
        // A register topic without its '/' is also no DPS topic at all.
        case .registerTopicWithoutSlash: [.dpsMqttReg002, .dpsMqttTopic001]
        // The service reads neither as a poll of the operation it returned: after its 202 the
        // device is not heard polling again (DPS-FLOW-POLL-001).
        case .pollWithoutRequestID: [.dpsMqttPoll002, .dpsFlowPoll001]
        case .pollWithoutOperationID: [.dpsMqttPoll003, .dpsFlowPoll001]
        case .publishesTelemetry: [.dpsMqttTopic001]
        // DPS has no QoS 2 flow: the publish never completes, so the mutant sends the register
        // again on a new connection after the service's 202 instead of polling.
        case .publishesQoS2: [.dpsMqttPkt001, .dpsFlowPoll001]
        case .skipsHostnameCheck: [.dpsMqttTls001]
        case .registersWithPOST: [.dpsHttpRoute001]
        case .omitsAPIVersion: [.dpsHttpApi001]
        case .formEncodedBody: [.dpsHttpBody001, .dpsFlowReg001]
        case .statusLookupWithCSR: [.dpsHttpLookup001]
        case .malformedHTTPHeader: [.dpsHttpMsg001]
        case .oversizedRegister: transport == .mqtt ? [.dpsMqttSize001] : [.dpsHttpBody002]
        case .registerWithoutRegistrationID: [.dpsFlowReg001]
        case .sasWithoutExpiry: [.dpsAuthSas001]
        case .sasForAnotherDevice: [.dpsAuthSas002]
        // Over MQTT the expired token also carries requests on its connection (DPS-AUTH-SAS-005).
        case .expiredSAS: transport == .mqtt ? [.dpsAuthSas003, .dpsAuthSas005] : [.dpsAuthSas003]
        case .signsWithGroupKey: [.dpsAuthDerive001]
        // Over HTTPS every request presents the token, so the expired one is refused (DPS-AUTH-SAS-003).
        case .neverRenewsSAS: transport == .mqtt ? [.dpsAuthSas005] : [.dpsAuthSas003]
        case .pollsAfterAssigned: [.dpsFlowTerm001]
        // The stale operation it polls is not the one the service returned.
        case .losesOperationOnError: [.dpsFlowOpid001, .dpsFlowPoll001]
        case .retriesWithoutBackoff: [.dpsFlowRetry002]
        case .noReconnect: [.dpsFlowReconnect001]
        // It reports a protocol error although the service assigned it (DPS-FLOW-RESULT-001).
        case .parsesEtag: [.dpsFlowEtag001, .dpsFlowResult001]
        // Over MQTT the device presents its Alias certificate only (libmosquitto loads the leaf of a
        // certificate OpenSSL finds non-standard), so the shared nonce shows over HTTPS only.
        case .diceOtherConstantNonce: transport == .mqtt ? [.diceCertBytes001] : [.diceCertBytes001, .diceNonce002]
        }
    }

    /// Whether the fault can show on the transport at all (some rules exist only in MQTT or HTTPS).
    public func applies(to transport: DeviceTransportKind) -> Bool {
        switch self {
        case .reusesRid, .publishesBeforeSubscribing, .questionMarkAPIVersion, .neverDisconnects, .clientIDNotRegistrationID,
             .usernameForAnotherDevice, .registerTopicWithoutSlash, .pollWithoutRequestID, .pollWithoutOperationID, .publishesTelemetry,
             .publishesQoS2:
            transport == .mqtt
        case .registersWithPOST, .omitsAPIVersion, .formEncodedBody, .statusLookupWithCSR, .malformedHTTPHeader: transport == .https
        default: true
        }
    }

    /// The no-deadline mutant stops at this multiple of the configured deadline.
    public static let safetyCapFactor = 4
}

/// The transports a device can use.
public enum DeviceTransportKind: String, Sendable, Hashable, CaseIterable, Codable {
    case mqtt
    case https
}
