import DPSCore
import Device
import Foundation
import Verdicts

/// Every automated check, one per requirement (statements in Scenarios/requirements.yaml).
public enum CheckLibrary {
    static let all: [any ConformanceCheck] = [ResultChecks.result] + ConnectChecks.all + TopicChecks.all + HTTPChecks.all
        + AuthChecks.all + IDChecks.all + FlowChecks.all + RetryChecks.all + DiceChecks.all + BehaviourChecks.all

    /// The checks added to a case that has a reference recording (`replay:`).
    public static let behaviourChecks: [RequirementID] = [.dpsBehavSeq001, .dpsBehavField001, .dpsBehavTime001]

    private static let table: [RequirementID: any ConformanceCheck] = Dictionary(all.map { ($0.requirement, $0) }, uniquingKeysWith: { first, _ in first })

    /// The check of `requirement`, if one exists.
    static func check(for requirement: RequirementID) -> (any ConformanceCheck)? { table[requirement] }

    /// Requirement IDs that have an automated check.
    public static var checkedRequirements: [RequirementID] { table.keys.sorted() }

    /// Requirements with more than one check (a table error; a test keeps this empty).
    public static var requirementsCheckedTwice: [RequirementID] {
        Dictionary(grouping: all, by: \.requirement).filter { $0.value.count > 1 }.keys.sorted()
    }

    /// The transports a requirement's check applies to.
    public static func transports(of requirement: RequirementID) -> Set<ScenarioTransport> {
        table[requirement]?.transports ?? []
    }

    /// Checks applied when a scenario lists none: every device-side rule that can be read from
    /// any provisioning exchange on the transport.
    public static func defaultChecks(for transport: ScenarioTransport) -> [RequirementID] {
        let flow: [RequirementID] = [.dpsFlowResult001, .dpsFlowPoll001, .dpsFlowRetry001, .dpsFlowErr001, .dpsFlowTerm001,
                                     .dpsFlowOpid001, .dpsFlowTransient001, .dpsFlowDeadline001, .dpsFlowReg001, .dpsFlowRetry002,
                                     .dpsFlowReconnect001, .dpsAuthSas001, .dpsAuthSas002, .dpsAuthSas003, .dpsAuthSas004,
                                     .dpsAuthDerive001, .dpsAuthX509001, .dpsAuthX509002, .dpsId001, .dpsId002, .dpsId003, .dpsId004, .dpsFlowRetry003, .dpsFlowEtag001]
        switch transport {
        case .mqtt:
            return flow + [.dpsMqttConn001, .dpsMqttConn002, .dpsMqttConn003, .dpsMqttSub001, .dpsMqttSub002, .dpsFlowRid001, .dpsMqttDisc001,
                           .dpsMqttReg002, .dpsMqttPoll002, .dpsMqttPoll003, .dpsMqttTopic001, .dpsMqttPkt001, .dpsMqttSize001,
                           .dpsAuthSas005]
        case .https:
            return flow + [.dpsHttpRoute001, .dpsHttpApi001, .dpsHttpBody001, .dpsHttpBody002, .dpsHttpLookup001, .dpsHttpMsg001]
        }
    }
}

enum ResultChecks {
    /// DPS-FLOW-RESULT-001: the provisioning ends with the expected outcome and the service's
    /// values (read from what the service told the device; each expected condition must hold,
    /// they are not alternatives), and the device's own report of it says what it was told.
    static let result = TranscriptCheck(.dpsFlowResult001) { context in
        let expect = context.scenario.expect
        let told = context.outcome
        var expected = ["outcome " + (expect.outcomes.count == 1 ? expect.outcomes[0].rawValue : "one of " + expect.outcomes.map(\.rawValue).joined(separator: ", "))]
        if let hub = expect.assignedHub { expected.append("assignedHub \(hub)") }
        if let device = expect.deviceID { expected.append("deviceId \(device)") }
        if let code = expect.errorCode { expected.append("errorCode \(code)") }
        var observed = "outcome \(told.status.rawValue)"
        if let hub = told.assignedHub { observed += ", assignedHub \(hub)" }
        if let device = told.deviceId { observed += ", deviceId \(device)" }
        if let code = told.errorCode { observed += ", errorCode \(code)" }
        if let message = told.message { observed += " (\(Redaction.text(message)))" }
        let deciding = context.view.responses.last { $0.state != nil || ((400..<500).contains($0.status) && $0.status != 429) }
        let evidence = deciding.map { [$0.event.sequence] } ?? []
        let good = expect.outcomes.contains(told.status)
            && (expect.assignedHub == nil || expect.assignedHub == told.assignedHub)
            && (expect.deviceID == nil || expect.deviceID == told.deviceId)
            && (expect.errorCode == nil || expect.errorCode == told.errorCode)
        guard good else { return .fail(expected, observed, evidence) }
        // The device's own report (the in-process device's outcome, or the last JSON object an
        // external device printed) must say what the service told it.
        if let claim = context.deviceReport {
            expected.append("the device reports what the service told it")
            observed += "; the device reported \(claim.status ?? "no status")"
            if let hub = claim.assignedHub { observed += ", assignedHub \(hub)" }
            if let device = claim.deviceId { observed += ", deviceId \(device)" }
            let claimsAssigned = claim.status == ProvisioningOutcome.Status.assigned.rawValue
            if claimsAssigned != (told.status == .assigned) {
                return .fail(expected, observed + "; the service told it \(told.status.rawValue)", evidence)
            }
            if claimsAssigned, claim.assignedHub != told.assignedHub || claim.deviceId != told.deviceId {
                return .fail(expected, observed + "; the service sent assignedHub \(told.assignedHub ?? "none"), deviceId \(told.deviceId ?? "none")", evidence)
            }
        }
        return .pass(expected, observed, evidence)
    }
}
