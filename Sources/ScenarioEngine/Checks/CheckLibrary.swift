import DPSCore
import Device
import Foundation
import Verdicts

/// Every automated check, one per requirement (statements in Scenarios/requirements.yaml).
public enum CheckLibrary {
    static let all: [any ConformanceCheck] = [ResultChecks.result] + ConnectChecks.all + TopicChecks.all + HTTPChecks.all
        + AuthChecks.all + IDChecks.all + FlowChecks.all + RetryChecks.all + DiceChecks.all

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
                                     .dpsAuthDerive001, .dpsId001, .dpsId002, .dpsId003, .dpsId004, .dpsFlowRetry003, .dpsFlowEtag001]
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
    /// DPS-FLOW-RESULT-001: the device ends with the expected outcome and the service's values;
    /// each expected condition must hold (they are not alternatives).
    static let result = TranscriptCheck(.dpsFlowResult001) { context in
        let expect = context.scenario.expect
        let outcome = context.outcome
        var expected = ["outcome " + (expect.outcomes.count == 1 ? expect.outcomes[0].rawValue : "one of " + expect.outcomes.map(\.rawValue).joined(separator: ", "))]
        if let hub = expect.assignedHub { expected.append("and assignedHub \(hub)") }
        if let device = expect.deviceID { expected.append("and deviceId \(device)") }
        if let code = expect.errorCode { expected.append("and errorCode \(code)") }
        var observed = "outcome \(outcome.status.rawValue)"
        if let hub = outcome.assignedHub { observed += ", assignedHub \(hub)" }
        if let device = outcome.deviceId { observed += ", deviceId \(device)" }
        if let code = outcome.errorCode { observed += ", errorCode \(code)" }
        if let message = outcome.message { observed += " (\(Redaction.text(message)))" }
        let good = expect.outcomes.contains(outcome.status)
            && (expect.assignedHub == nil || expect.assignedHub == outcome.assignedHub)
            && (expect.deviceID == nil || expect.deviceID == outcome.deviceId)
            && (expect.errorCode == nil || expect.errorCode == outcome.errorCode)
        guard good else { return .fail(expected, observed) }
        // A device that reports an assignment must have been told one, with these values.
        if outcome.status == .assigned {
            expected.append("and the assignment the service sent")
            let told = context.view.responses.last { $0.state != nil }
            guard let told, told.state == .assigned else {
                return .fail(expected, observed + "; the service's last answer was " + (told?.state?.rawValue ?? "no registration state"),
                             told.map { [$0.event.sequence] } ?? [])
            }
            if told.exchange.assignedHub != outcome.assignedHub || told.exchange.deviceID != outcome.deviceId {
                return .fail(expected, observed + "; the service sent assignedHub \(told.exchange.assignedHub ?? "none"), deviceId \(told.exchange.deviceID ?? "none")",
                             [told.event.sequence])
            }
        }
        return .pass(expected, observed)
    }
}
