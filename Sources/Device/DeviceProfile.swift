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

/// A device that breaks ONE rule, modelled on a real client's bug (dps-protocol.md §7 pitfalls).
public enum MutantProfile: String, Sendable, Hashable, CaseIterable, Codable {
    /// Polls every 2 s whatever retry-after says (Node SDK before PR 555, pitfall 3).
    case ignoresRetryAfter = "ignores-retry-after"
    /// Polls every 100 ms, far above the 5-per-10-s device limit (pitfall C).
    case pollsEvery100ms = "polls-every-100ms"
    /// Sends `$rid=1` on every request, like the Embedded C SDK sample (pitfall G).
    case reusesRid = "reuses-rid"
    /// Publishes the register request before subscribing to the response filter.
    case publishesBeforeSubscribing = "publishes-before-subscribing"
    /// Writes `?api-version=` instead of `/api-version=` in the MQTT username.
    case questionMarkAPIVersion = "question-mark-api-version"
    /// Signs the percent-decoded `sr` but sends it encoded (pitfall M).
    case signsDecodedSr = "signs-decoded-sr"
    /// Treats every 4xx as transient and keeps retrying (pitfall 9).
    case retries4xxForever = "retries-4xx-forever"
    /// Treats the first 429 as a final failure (C SDK before PR 1703, pitfall 1).
    case givesUpOnFirst429 = "gives-up-on-first-429"
    /// Takes the first 202 `assigning` for the end of provisioning and never polls.
    case first202IsFinal = "first-202-is-final"
    /// Has no overall deadline and polls while the service says `assigning` (pitfall 5); a hard
    /// safety cap (`safetyCapFactor` × the deadline) still ends it so tests never hang.
    case noDeadline = "no-deadline"
    /// Leaves without MQTT DISCONNECT (Python SDK after a failure).
    case neverDisconnects = "never-disconnects"
    /// Sends the register request again instead of polling the operation.
    case reRegistersInsteadOfPolling = "re-registers-instead-of-polling"
    /// Waits a fixed 2 s after the register reply, ignoring its retry-after (Python SDK, pitfall A).
    case ignoresInitialRetryAfter = "ignores-initial-retry-after"
    /// Reads retry-after like the C SDK: values outside 1...300 and non-numbers become 1 s (pitfall B).
    case csdkRetryAfter = "csdk-retry-after"

    /// The requirement the mutant breaks (Scenarios/requirements.yaml).
    public var brokenRequirement: RequirementID {
        switch self {
        case .ignoresRetryAfter, .ignoresInitialRetryAfter, .csdkRetryAfter: .dpsFlowRetry001
        case .pollsEvery100ms: .dpsFlowRetry001
        case .reusesRid: .dpsFlowRid001
        case .publishesBeforeSubscribing: .dpsMqttSub001
        case .questionMarkAPIVersion: .dpsMqttConn003
        case .signsDecodedSr: .dpsAuthSas004
        case .retries4xxForever: .dpsFlowErr001
        case .givesUpOnFirst429: .dpsFlowTransient001
        case .first202IsFinal: .dpsFlowPoll001
        case .noDeadline: .dpsFlowDeadline001
        case .neverDisconnects: .dpsMqttDisc001
        case .reRegistersInsteadOfPolling: .dpsFlowPoll001
        }
    }

    /// Whether the fault can show on the transport at all (some rules exist only in MQTT).
    public func applies(to transport: DeviceTransportKind) -> Bool {
        switch self {
        case .reusesRid, .publishesBeforeSubscribing, .questionMarkAPIVersion, .neverDisconnects: transport == .mqtt
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
