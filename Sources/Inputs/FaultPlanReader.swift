import DPSCore
import FakeDPS

/// Reads a scenario's `faults:` list into a `FaultPlan` (format in docs/scenarios.md).
package enum FaultPlanReader {
    package static let actions: Set<String> = ["respond", "modify", "delaySeconds", "noResponse", "dropConnection", "withholdAck",
                                       "refuseConnection", "refuseSubscription"]

    package static func read(_ node: YAMLNode) throws -> FaultPlan {
        FaultPlan(rules: try node.sequence().map(rule))
    }

    package static func rule(_ node: YAMLNode) throws -> FaultRule {
        let fields = try node.mapping(allowed: actions.union(["on", "occurrence", "registrationId"]))
        guard let onNode = fields["on"] else { throw node.error(.missingField, "a fault needs 'on' (connect, subscribe, register, poll, statusLookup)") }
        let target = try onNode.choice(Dictionary(uniqueKeysWithValues: FaultTarget.allCases.map { ($0.rawValue, $0) }))
        let given = actions.filter { fields[$0] != nil }
        guard given.count == 1, let name = given.first, let actionNode = fields[name] else {
            throw node.error(.invalidValue, "a fault needs exactly one action of: \(actions.sorted().joined(separator: ", "))")
        }
        return FaultRule(on: target, occurrences: try fields["occurrence"].map(occurrence) ?? .every,
                         registrationID: try fields["registrationId"]?.string(), action: try action(name, actionNode))
    }

    /// `3` (the third), `2+` (the second and later), `1-3` (the first three).
    package static func occurrence(_ node: YAMLNode) throws -> OccurrenceSelector {
        let text = try node.string()
        if let value = Int(text), value >= 1 { return .nth(value) }
        if text.hasSuffix("+"), let value = Int(text.dropLast()), value >= 1 { return .from(value) }
        let parts = text.split(separator: "-")
        if parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low >= 1, high >= low { return .range(low, high) }
        throw node.error(.invalidValue, "occurrence '\(text)' is not N, N+ or N-M (counted from 1)")
    }

    package static func action(_ name: String, _ node: YAMLNode) throws -> FaultAction {
        switch name {
        case "respond":
            let fields = try node.mapping(allowed: ["status", "retryAfter", "errorCode", "body"])
            guard let status = fields["status"] else { throw node.error(.missingField, "respond needs status") }
            return .respond(status: try status.int(in: 100...599), retryAfter: try fields["retryAfter"]?.string(),
                            errorCode: try fields["errorCode"]?.int(in: 100_000...999_999), body: try fields["body"]?.string())
        case "modify":
            let fields = try node.mapping(allowed: ["ridLast", "retryAfter", "omitOperationId", "extraFields", "truncateTo", "body", "rid", "duplicate",
                                                            "staleFirst", "packetBefore"])
            var extra: [String: JSONValue] = [:]
            if let extraNode = fields["extraFields"], case .object(let members)? = try EnrollmentReader.payload(extraNode) { extra = members }
            return .modify(ResponseModification(requestIDLast: try fields["ridLast"]?.bool() ?? false, retryAfter: try fields["retryAfter"]?.string(),
                                                omitOperationID: try fields["omitOperationId"]?.bool() ?? false, extraFields: extra,
                                                truncateTo: try fields["truncateTo"]?.int(in: 0...100_000), body: try fields["body"]?.string(),
                                                requestID: try fields["rid"]?.string(), duplicate: try fields["duplicate"]?.bool() ?? false,
                                                previousAnswerFirst: try fields["staleFirst"]?.bool() ?? false,
                                                packetBefore: try fields["packetBefore"].map {
                                                    try $0.choice(Dictionary(uniqueKeysWithValues: ResponseModification.UnexpectedPacket.allCases.map { ($0.rawValue, $0) }))
                                                }))
        case "delaySeconds":
            return .delay(.seconds(try node.int(in: 0...86_400)))
        case "noResponse":
            return .noResponse
        case "dropConnection":
            return .dropConnection(afterAcknowledging: try node.choice(["beforeAck": false, "afterAck": true]))
        case "withholdAck":
            return .withholdAcknowledgement
        case "refuseConnection":
            return .refuseConnection(returnCode: UInt8(try node.int(in: 1...5)))
        default:
            return .refuseSubscription
        }
    }
}
