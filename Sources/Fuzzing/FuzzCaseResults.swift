import DPSCore
import Foundation
import Verdicts

/// A target's outcome as report cases: one summary case (cases run, rate, violations) with a
/// verdict per requirement the target covers, and one failing case per violation that names its
/// reproducer.
public enum FuzzCaseResults {
    /// The requirements each target's oracle judges.
    public static func requirements(of target: FuzzTargetName) -> [RequirementID] {
        switch target {
        case .registrationIDs: [.dpsId001, .dpsId002, .dpsId003, .dpsId004, .dpsMqttConn001, .dpsMqttConn002, .dpsHttpRoute001,
                                .dpsFlowReg001, .dpsAuthSas002, .dpsAuthX509001]
        case .certificates: [.dpsAuthX509001, .dpsAuthX509002]
        case .responses: [.dpsFlowResult001, .dpsFlowDeadline001]
        case .mqtt: MQTTPacketCase.Malformation.allCases.compactMap { MQTTPacketCase(index: 0, malformation: $0, registrationID: "x").rule }
            .reduce(into: [RequirementID]()) { if !$0.contains($1) { $0.append($1) } } + [.dpsFlowResult001]
        case .http: [.dpsHttpMsg001, .dpsFlowResult001]
        }
    }

    /// `reproducers[i]` is where violation `i`'s reproducer was written (relative to the report directory), if it was.
    public static func make(_ outcome: FuzzTargetOutcome, reproducers: [Int: String]) -> [CaseResult] {
        let suite = "fuzz-" + outcome.target.rawValue
        let rate = String(format: "%.1f", outcome.casesPerSecond)
        var verdicts: [Verdict] = requirements(of: outcome.target).map { requirement in
            let broken = outcome.violations.filter { $0.requirement == requirement }
            return Verdict(requirement: requirement, outcome: broken.isEmpty ? .pass : .fail,
                           expected: ["no violation of \(requirement) in \(outcome.casesRun) fuzz cases"],
                           observed: broken.isEmpty ? "none" : "\(broken.count) violation(s), first in \(broken[0].caseName)")
        }
        if !outcome.harnessErrors.isEmpty {
            verdicts.append(Verdict(requirement: .harness, outcome: .error, expected: ["every case reaches the destination"],
                                    observed: "\(outcome.harnessErrors.count) case(s) could not be sent; first: \(outcome.harnessErrors[0])"))
        }
        var facts: [String: String] = [
            "seed": String(outcome.seed), "casesRun": String(outcome.casesRun), "casesPerSecond": rate,
            "violations": String(outcome.violations.count), "presentedWithoutTLS": String(outcome.presentedWithoutTLS),
        ]
        if outcome.target == .mqtt || outcome.target == .http { facts["wellBehavedRegistrations"] = String(outcome.wellBehavedRegistrations) }
        if outcome.casesSkipped > 0 {
            facts["casesSkipped"] = String(outcome.casesSkipped)
            facts["skipReason"] = outcome.skipReason ?? ""
        }
        if let start = outcome.residentBytesAfterWarmUp, let end = outcome.residentBytesAtEnd {
            facts["residentMiBAfterWarmUp"] = String(start / 1_048_576)
            facts["residentMiBAtEnd"] = String(end / 1_048_576)
        }
        for (transport, count) in outcome.casesByTransport { facts["\(transport.rawValue)Cases"] = String(count) }
        let summary = CaseResult(id: "fuzz/\(outcome.target.rawValue)/summary",
                                 title: "\(outcome.target.rawValue): \(outcome.casesRun) cases at \(rate) cases/s, \(outcome.violations.count) violation(s)",
                                 suite: suite, verdicts: verdicts, deviceOutcome: facts, wallSeconds: outcome.wallSeconds,
                                 log: outcome.harnessErrors.prefix(20).map { "harness: " + $0 })
        let findings = outcome.violations.enumerated().map { index, violation in
            var log = ["case: " + violation.caseJSON]
            if let path = reproducers[index] { log.append("reproducer: " + path + " (dpsconform run " + path + ")") }
            if let note = violation.reproducerNote { log.append("note: " + note) }
            return CaseResult(id: "fuzz/\(violation.caseName)/\(index)", title: "\(violation.caseName): \(violation.requirement)", suite: suite,
                              verdicts: [Verdict(requirement: violation.requirement, outcome: .fail, expected: violation.expected, observed: violation.observed)],
                              log: log, file: reproducers[index])
        }
        return [summary] + findings
    }
}
