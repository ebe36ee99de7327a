import DICE
import DPSCore
import Device
import Foundation
import Verdicts

/// What a check sees: the scenario, how the device ended, and the wire transcript.
struct CheckContext {
    let scenario: Scenario
    let outcome: ProvisioningOutcome
    let view: TranscriptView
}

/// A check's finding before the requirement's level is applied.
struct Finding {
    let outcome: VerdictOutcome
    let expected: [String]
    let observed: String
    let evidence: [Int]

    static func pass(_ expected: [String], _ observed: String, _ evidence: [Int] = []) -> Finding {
        Finding(outcome: .pass, expected: expected, observed: observed, evidence: evidence)
    }

    static func fail(_ expected: [String], _ observed: String, _ evidence: [Int] = []) -> Finding {
        Finding(outcome: .fail, expected: expected, observed: observed, evidence: evidence)
    }

    static func skip(_ why: String) -> Finding {
        Finding(outcome: .skip, expected: [], observed: why, evidence: [])
    }
}

/// The automated checks, one per requirement ID (statements in Scenarios/requirements.yaml).
public enum CheckLibrary {
    typealias Check = @Sendable (CheckContext) -> Finding

    static let checks: [String: Check] = [
        "DPS-FLOW-RESULT-001": ResultChecks.result,
        "DPS-MQTT-CONN-001": ConnectChecks.clientIDIsRegistrationID,
        "DPS-MQTT-CONN-002": ConnectChecks.usernameGrammar,
        "DPS-MQTT-SUB-001": ConnectChecks.subscribeBeforePublish,
        "DPS-MQTT-DISC-001": ConnectChecks.cleanDisconnect,
        "DPS-FLOW-RID-001": FlowChecks.freshRequestIDs,
        "DPS-FLOW-POLL-001": FlowChecks.pollsUseOperationID,
        "DPS-FLOW-RETRY-001": FlowChecks.honoursRetryAfter,
        "DPS-FLOW-ERR-001": FlowChecks.stopsAfterPermanentError,
        "DPS-FLOW-TERM-001": FlowChecks.stopsAfterTerminalStatus,
        "DPS-FLOW-OPID-001": FlowChecks.reusesOperationID,
        "DPS-MQTT-TLS-001": ConnectChecks.verifiesServerCertificate,
        "DICE-CERT-KEY-001": DiceChecks.comparison(.aliasKey),
        "DICE-CERT-DEVID-001": DiceChecks.comparison(.deviceIdKey),
        "DICE-CERT-FWID-001": DiceChecks.comparison(.firmwareID),
        "DICE-CERT-CN-001": DiceChecks.comparison(.commonName),
        "DICE-CERT-EXT-001": DiceChecks.comparison(.extensions),
        "DICE-CERT-SIG-001": DiceChecks.comparison(.signature),
        "DICE-CERT-DER-001": DiceChecks.comparison(.malformedCertificate),
        "DICE-CERT-BYTES-001": DiceChecks.comparison(.encoding),
        "DICE-NONCE-001": DiceChecks.nonce(.fixedDevKitNonce),
        "DICE-NONCE-002": DiceChecks.nonce(.sharedNonce),
        "DPS-FLOW-TRANSIENT-001": FlowChecks.retriesTransientErrors,
        "DPS-FLOW-DEADLINE-001": FlowChecks.keepsDeadline,
        "DPS-MQTT-CONN-003": ConnectChecks.enforcedByService("DPS-MQTT-CONN-003"),
        "DPS-AUTH-SAS-001": ConnectChecks.enforcedByService("DPS-AUTH-SAS-001"),
        "DPS-AUTH-SAS-002": ConnectChecks.enforcedByService("DPS-AUTH-SAS-002"),
        "DPS-AUTH-SAS-003": ConnectChecks.enforcedByService("DPS-AUTH-SAS-003"),
        "DPS-AUTH-SAS-004": ConnectChecks.enforcedByService("DPS-AUTH-SAS-004"),
        "DPS-MQTT-TOPIC-001": ConnectChecks.enforcedByService("DPS-MQTT-TOPIC-001"),
        "DPS-MQTT-PKT-001": ConnectChecks.enforcedByService("DPS-MQTT-PKT-001"),
        "DPS-MQTT-SIZE-001": ConnectChecks.enforcedByService("DPS-MQTT-SIZE-001"),
    ]

    /// Requirement IDs that have an automated check.
    public static var checkedRequirements: [String] { checks.keys.sorted() }

    /// Checks applied when a scenario lists none.
    public static func defaultChecks(for transport: ScenarioTransport) -> [String] {
        let flow = ["DPS-FLOW-RESULT-001", "DPS-FLOW-POLL-001", "DPS-FLOW-RETRY-001", "DPS-FLOW-ERR-001", "DPS-FLOW-TERM-001",
                    "DPS-FLOW-OPID-001", "DPS-FLOW-TRANSIENT-001", "DPS-FLOW-DEADLINE-001"]
        switch transport {
        case .mqtt:
            return flow + ["DPS-MQTT-CONN-001", "DPS-MQTT-CONN-002", "DPS-MQTT-CONN-003", "DPS-MQTT-SUB-001", "DPS-FLOW-RID-001", "DPS-MQTT-DISC-001"]
        case .https:
            return flow
        }
    }
}

enum ResultChecks {
    /// DPS-FLOW-RESULT-001: the device ends with one of the expected outcomes and the service's values.
    static let result: CheckLibrary.Check = { context in
        let expect = context.scenario.expect
        let outcome = context.outcome
        var expected = ["outcome one of: " + expect.outcomes.map(\.rawValue).joined(separator: ", ")]
        if let hub = expect.assignedHub { expected.append("assignedHub \(hub)") }
        if let device = expect.deviceID { expected.append("deviceId \(device)") }
        if let code = expect.errorCode { expected.append("errorCode \(code)") }
        var observed = "outcome \(outcome.status.rawValue)"
        if let hub = outcome.assignedHub { observed += ", assignedHub \(hub)" }
        if let device = outcome.deviceId { observed += ", deviceId \(device)" }
        if let code = outcome.errorCode { observed += ", errorCode \(code)" }
        if let message = outcome.message { observed += " (\(message))" }
        let good = expect.outcomes.contains(outcome.status)
            && (expect.assignedHub == nil || expect.assignedHub == outcome.assignedHub)
            && (expect.deviceID == nil || expect.deviceID == outcome.deviceId)
            && (expect.errorCode == nil || expect.errorCode == outcome.errorCode)
        return good ? .pass(expected, observed) : .fail(expected, observed)
    }
}
