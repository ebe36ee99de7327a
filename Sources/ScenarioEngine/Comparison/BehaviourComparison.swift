import DPSCore
import Foundation

/// One DPS request or response of a transcript, reduced to what two devices' behaviours are
/// compared on: the kind, the topic or route with the values that differ between devices and
/// runs (`$rid`, operation ID, registration ID, ID scope) as placeholders, the body's top-level
/// fields, the status and retry-after, and the time since the transcript's first event.
public struct BehaviourStep: Sendable, Hashable {
    public enum Side: String, Sendable, Hashable { case request, response }

    public var side: Side
    public var kind: DeviceRequestKind?
    /// `PUBLISH $dps/registrations/PUT/iotdps-register/?$rid={rid}` or `PUT /{idScope}/registrations/{registrationId}/register?api-version=2021-06-01`.
    public var shape: String
    /// Top-level body members as compact JSON text (`registrationId` as `{registrationId}`).
    public var fields: [String: String]
    public var status: Int?
    public var retryAfter: String?
    public var seconds: Double
    /// The event's sequence number in its transcript.
    public var sequence: Int

    /// One line of the side-by-side view.
    public var summary: String {
        switch side {
        case .request:
            let body = fields.isEmpty ? "" : " " + fields.keys.sorted().map { "\($0)=\(fields[$0] ?? "")" }.joined(separator: " ")
            return String(format: "%7.3f  -> %@%@", seconds, shape, body)
        case .response:
            return String(format: "%7.3f  <- %d%@", seconds, status ?? 0, retryAfter.map { " retry-after=\($0)" } ?? "")
        }
    }
}

/// The comparison of a device's transcript with a reference transcript of the same flow: the
/// requests and responses side by side, the first divergence, and what it breaks:
/// DPS-BEHAV-SEQ-001 (the same requests in the same order), DPS-BEHAV-FIELD-001 (the same topic
/// or route and body fields), DPS-BEHAV-TIME-001 (no request earlier than the retry-after of the
/// reference's answer allowed).
public struct BehaviourComparison: Sendable {
    public struct Finding: Sendable, Hashable {
        public var requirement: RequirementID
        public var expected: String
        public var observed: String
        /// Sequence numbers of the device transcript's events that show it.
        public var evidence: [Int]
    }

    public let reference: [BehaviourStep]
    public let device: [BehaviourStep]
    public let findings: [Finding]
    /// Index (into the request lists) of the first request where the two differ, if any.
    public let firstDivergence: Int?

    public var matches: Bool { findings.isEmpty }

    /// Compares; `tolerance` is how many seconds a wait may fall short (the real clock's).
    public static func compare(reference: [WireEvent], device: [WireEvent], tolerance: Double = 0.05) -> BehaviourComparison {
        let referenceSteps = steps(reference)
        let deviceSteps = steps(device)
        let referenceRequests = referenceSteps.filter { $0.side == .request }
        let deviceRequests = deviceSteps.filter { $0.side == .request }
        var findings: [Finding] = []
        var divergence: Int?
        let common = min(referenceRequests.count, deviceRequests.count)
        for index in 0..<common {
            let expected = referenceRequests[index]
            let actual = deviceRequests[index]
            if expected.kind != actual.kind {
                divergence = divergence ?? index
                findings.append(Finding(requirement: .dpsBehavSeq001,
                                        expected: "request \(index + 1) is a \(expected.kind?.rawValue ?? "?") request",
                                        observed: "a \(actual.kind?.rawValue ?? "?") request: \(actual.shape)", evidence: [actual.sequence]))
                break
            }
            if expected.shape != actual.shape || expected.fields != actual.fields {
                divergence = divergence ?? index
                var differences: [String] = []
                if expected.shape != actual.shape { differences.append("\(actual.shape) instead of \(expected.shape)") }
                for key in Set(expected.fields.keys).union(actual.fields.keys).sorted() where expected.fields[key] != actual.fields[key] {
                    differences.append("body \(key): \(actual.fields[key] ?? "(absent)") instead of \(expected.fields[key] ?? "(absent)")")
                }
                findings.append(Finding(requirement: .dpsBehavField001,
                                        expected: "request \(index + 1) as recorded: \(expected.shape)",
                                        observed: differences.joined(separator: "; "), evidence: [actual.sequence]))
            }
            if index > 0, let wait = waitBefore(request: index, in: referenceSteps),
               let answered = previousResponse(before: actual, in: deviceSteps) {
                let waited = actual.seconds - answered.seconds
                if waited + tolerance < Double(wait) {
                    divergence = divergence ?? index
                    findings.append(Finding(requirement: .dpsBehavTime001,
                                            expected: "request \(index + 1) at least \(wait) s after the answer before it (the recorded retry-after)",
                                            observed: String(format: "sent %.3f s after it", waited), evidence: [actual.sequence]))
                }
            }
        }
        if referenceRequests.count != deviceRequests.count, !findings.contains(where: { $0.requirement == .dpsBehavSeq001 }) {
            divergence = divergence ?? common
            if deviceRequests.count > common {
                let extra = deviceRequests[common]
                findings.append(Finding(requirement: .dpsBehavSeq001, expected: "\(referenceRequests.count) request(s), as recorded",
                                        observed: "\(deviceRequests.count) request(s); the first extra one: \(extra.shape)", evidence: [extra.sequence]))
            } else {
                let missing = referenceRequests[common]
                findings.append(Finding(requirement: .dpsBehavSeq001, expected: "\(referenceRequests.count) request(s), as recorded",
                                        observed: "\(deviceRequests.count) request(s); missing from request \(common + 1) on: \(missing.shape)",
                                        evidence: deviceRequests.last.map { [$0.sequence] } ?? []))
            }
        }
        return BehaviourComparison(reference: referenceSteps, device: deviceSteps, findings: findings, firstDivergence: divergence)
    }

    /// The retry-after the reference's answer before its `index`-th request asked for, in seconds.
    private static func waitBefore(request index: Int, in steps: [BehaviourStep]) -> Int? {
        var seen = -1
        var lastResponse: BehaviourStep?
        for step in steps {
            if step.side == .request {
                seen += 1
                if seen == index { return lastResponse?.retryAfter.flatMap(RetryAfter.seconds) }
            } else {
                lastResponse = step
            }
        }
        return nil
    }

    private static func previousResponse(before request: BehaviourStep, in steps: [BehaviourStep]) -> BehaviourStep? {
        steps.last { $0.side == .response && $0.sequence < request.sequence }
    }

    /// The DPS requests and responses of a transcript, in order.
    public static func steps(_ events: [WireEvent]) -> [BehaviourStep] {
        let start = events.first?.time
        var steps: [BehaviourStep] = []
        for event in events {
            guard let exchange = event.exchange else { continue }
            let seconds = start.map { event.time.timeIntervalSince($0) } ?? 0
            switch (exchange.role, event.direction) {
            case (.request, .toService):
                steps.append(BehaviourStep(side: .request, kind: exchange.kind, shape: shape(event), fields: fields(event, registrationID: exchange.registrationID),
                                           status: nil, retryAfter: nil, seconds: seconds, sequence: event.sequence))
            case (.response, .toDevice):
                steps.append(BehaviourStep(side: .response, kind: exchange.kind, shape: "", fields: [:], status: exchange.status,
                                           retryAfter: exchange.retryAfter, seconds: seconds, sequence: event.sequence))
            default:
                continue
            }
        }
        return steps
    }

    /// The topic or request line with the values that differ between runs as placeholders.
    static func shape(_ event: WireEvent) -> String {
        switch event.content {
        case .mqtt(.publish(let publish)):
            let parts = publish.topic.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return "PUBLISH " + publish.topic }
            let properties = parts[1].split(separator: "&").map { property -> String in
                let pair = property.split(separator: "=", maxSplits: 1)
                switch pair.first {
                case "$rid": return "$rid={rid}"
                case "operationId": return "operationId={operationId}"
                default: return String(property)
                }
            }
            return "PUBLISH \(parts[0])?\(properties.joined(separator: "&")) qos\(publish.qos)"
        case .httpRequest(let request):
            if let route = request.route {
                var path: String
                switch route.operation {
                case .register: path = "/{idScope}/registrations/{registrationId}/register"
                case .operationStatus: path = "/{idScope}/registrations/{registrationId}/operations/{operationId}"
                case .statusLookup: path = "/{idScope}/registrations/{registrationId}"
                }
                path += "?api-version=" + route.apiVersion
                return "\(request.method) \(path)"
            }
            return "\(request.method) \(request.target)"
        default:
            return event.summary
        }
    }

    /// Top-level body members, compact, with the device's own registration ID as a placeholder;
    /// null members are left out.
    static func fields(_ event: WireEvent, registrationID: String?) -> [String: String] {
        let text: String?
        switch event.content {
        case .mqtt(.publish(let publish)): text = publish.payload?.text
        case .httpRequest(let request): text = request.body?.text
        default: text = nil
        }
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [:] }
        guard case .object(let members)? = try? JSONText.decode(JSONValue.self, from: Array(text.utf8), what: "body") else {
            return ["(body)": "not a JSON object (\(text.utf8.count) bytes)"]
        }
        var fields: [String: String] = [:]
        for (key, value) in members {
            // A null member is an absent one (the service reads `"payload": null` as no payload).
            if case .null = value { continue }
            var compact = String(decoding: JSONText.encode(value), as: UTF8.self)
            if key == "registrationId", let registrationID, case .string(let id) = value, id.lowercased() == registrationID.lowercased() {
                compact = "{registrationId}"
            }
            fields[key] = compact
        }
        return fields
    }

    /// The two sides as text, request by request, the first divergence marked, then the findings.
    public func sideBySide(referenceName: String = "reference", deviceName: String = "device") -> String {
        let width = 72
        func pad(_ text: String) -> String {
            text.count >= width ? String(text.prefix(width - 1)) + "…" : text + String(repeating: " ", count: width - text.count)
        }
        var lines = [pad(referenceName) + " | " + deviceName, String(repeating: "-", count: width) + "-+-" + String(repeating: "-", count: width)]
        let rows = max(reference.count, device.count)
        var requestIndex = -1
        for row in 0..<rows {
            let left = row < reference.count ? reference[row] : nil
            let right = row < device.count ? device[row] : nil
            if left?.side == .request || (left == nil && right?.side == .request) { requestIndex += 1 }
            let differs = left?.side != right?.side || left?.kind != right?.kind || left?.shape != right?.shape || left?.fields != right?.fields
                || left?.status != right?.status
            let marker = requestIndex == firstDivergence && left?.side == .request ? ">" : (differs ? "≠" : "|")
            lines.append(pad(left?.summary ?? "") + " \(marker) " + (right?.summary ?? ""))
        }
        if findings.isEmpty {
            lines.append("same behaviour: \(reference.filter { $0.side == .request }.count) request(s) alike")
        } else {
            if let firstDivergence { lines.append("first divergence at request \(firstDivergence + 1)") }
            for finding in findings {
                lines.append("\(finding.requirement): expected \(finding.expected); got \(finding.observed) (event \(finding.evidence.map(String.init).joined(separator: ", ")))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
