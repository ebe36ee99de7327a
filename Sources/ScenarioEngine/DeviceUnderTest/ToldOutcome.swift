import DPSCore
import Device
import Foundation

/// How a provisioning attempt ended, read from what the fake told the device: the service knows
/// whether it sent `assigned`, `failed` or a 401, whatever the device makes of it. This is the
/// outcome of an external device; its own report (`DeviceReport`) is compared with it.
enum ToldOutcome {
    /// `deadline`: the device's overall deadline; a device that stopped without a final answer
    /// well before it (more than a tenth of it, at least a second) abandoned the attempt.
    static func derive(from view: TranscriptView, clockSeconds: Double, deadline: Duration) -> ProvisioningOutcome {
        let requests = view.requests.filter { $0.kind == .register || $0.kind == .poll }
        // An answer under a `$rid` the device never sent answers nothing it asked (a fault plan's `rid:`).
        let asked = Set(view.requests.map(\.requestID))
        let answers = view.responses.filter { $0.exchange.kind != .statusLookup && asked.contains($0.exchange.requestID) }
        // The last answer that decides: a registration state, or a permanent error.
        let deciding = answers.last { $0.state != nil || ((400..<500).contains($0.status) && $0.status != 429) }
        var outcome: ProvisioningOutcome
        if let deciding, let state = deciding.state {
            switch state {
            case .assigned where deciding.exchange.assignedHub?.isEmpty ?? true:
                // Not an assignment a device can use: nothing tells it where to connect (fuzz responses, seed 1, case 14).
                outcome = ProvisioningOutcome(status: .protocolError, message: "the service said 'assigned' without an assigned hub")
            case .assigned: outcome = ProvisioningOutcome(status: .assigned)
            case .failed: outcome = ProvisioningOutcome(status: .failed)
            case .disabled: outcome = ProvisioningOutcome(status: .disabled)
            case .unassigned: outcome = ProvisioningOutcome(status: .unassigned)
            default: outcome = stopped(view, deadline: deadline, while: "the service said '\(state.rawValue)'")
            }
            outcome.assignedHub = deciding.exchange.assignedHub
            outcome.deviceId = deciding.exchange.deviceID
            outcome.errorCode = deciding.exchange.errorCode
            outcome.operationId = deciding.operationID
        } else if let deciding {
            outcome = ProvisioningOutcome(status: .rejected, message: "the service answered \(deciding.status)")
            outcome.errorCode = deciding.exchange.errorCode
        } else if requests.isEmpty {
            outcome = ProvisioningOutcome(status: .connectionFailed, message: connectionStory(view))
        } else {
            outcome = stopped(view, deadline: deadline, while: "no final answer had reached it")
        }
        outcome.requests = requests.count
        outcome.connections = Set(view.deviceEvents.map(\.connection)).count
        outcome.elapsedSeconds = clockSeconds
        return outcome
    }

    /// A device that stopped without a final answer: at its deadline (timed out) or before it.
    private static func stopped(_ view: TranscriptView, deadline: Duration, while situation: String) -> ProvisioningOutcome {
        let device = view.deviceEvents
        guard let first = device.first?.time, let last = (view.events.last { $0.direction == .toService || $0.note != nil })?.time else {
            return ProvisioningOutcome(status: .timedOut, message: "the device stopped while " + situation)
        }
        let span = last.timeIntervalSince(first)
        let margin = max(1, deadline.seconds / 10)
        if span + margin >= deadline.seconds {
            return ProvisioningOutcome(status: .timedOut, message: String(format: "the device stopped at its deadline (%.1f s) while %@", span, situation))
        }
        return ProvisioningOutcome(status: .abandoned, message: String(format: "the device stopped after %.1f s, before its deadline of %.0f s, while %@",
                                                                       span, deadline.seconds, situation))
    }

    /// Why no request reached the service: a refused CONNACK, a TLS failure, or no connection.
    private static func connectionStory(_ view: TranscriptView) -> String {
        for event in view.events where event.direction == .toDevice {
            if case .mqtt(.connAck(let returnCode, _)) = event.content, returnCode != 0 {
                return "the service refused the connection (CONNACK \(returnCode))"
            }
        }
        if let note = view.notes.first(where: { if case .refused = $0.note { true } else { false } }) {
            return "the service refused: " + note.event.summary
        }
        if view.events.isEmpty { return "the device never connected" }
        return "no request reached the service (" + (view.events.last?.summary ?? "") + ")"
    }
}

/// What an external device program said of its outcome: the last JSON object it printed on
/// stdout, in the shape `dpsconform provision` prints (`status`, `assignedHub`, `deviceId`,
/// `errorCode`, ...). Values are kept as text, redacted.
public struct DeviceReport: Sendable, Hashable, Codable {
    public var status: String?
    public var assignedHub: String?
    public var deviceId: String?
    public var errorCode: Int?
    /// Every member of the object as text (nested values as JSON), redacted.
    public var fields: [String: String]

    /// The last JSON object in `output`: the last line that is one, or the whole output when it
    /// is one object printed over several lines.
    /// The report of the in-process device: its own outcome.
    init(_ outcome: ProvisioningOutcome) {
        status = outcome.status.rawValue
        assignedHub = outcome.assignedHub
        deviceId = outcome.deviceId
        errorCode = outcome.errorCode
        var fields = ["status": outcome.status.rawValue]
        fields["assignedHub"] = outcome.assignedHub
        fields["deviceId"] = outcome.deviceId
        fields["errorCode"] = outcome.errorCode.map(String.init)
        fields["message"] = outcome.message.map(Redaction.text)
        self.fields = fields
    }

    init(status: String?, assignedHub: String?, deviceId: String?, errorCode: Int?, fields: [String: String]) {
        self.status = status
        self.assignedHub = assignedHub
        self.deviceId = deviceId
        self.errorCode = errorCode
        self.fields = fields
    }

    static func lastObject(in output: String, redact: (String) -> String) -> DeviceReport? {
        func object(_ text: Substring) -> [String: Any]? {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any]
        }
        var found: [String: Any]?
        for line in output.split(whereSeparator: \.isNewline).reversed() {
            if let parsed = object(line) { found = parsed; break }
        }
        if found == nil, let start = output.range(of: "\n{", options: .backwards)?.lowerBound ?? (output.hasPrefix("{") ? output.startIndex : nil) {
            found = object(output[start...])
        }
        guard let found else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in found {
            let text: String
            switch value {
            case let string as String: text = string
            case let number as NSNumber: text = number.stringValue
            case is NSNull: continue
            default:
                text = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
            fields[key] = redact(text)
        }
        return DeviceReport(status: fields["status"], assignedHub: fields["assignedHub"], deviceId: fields["deviceId"],
                            errorCode: fields["errorCode"].flatMap { Int($0) }, fields: fields)
    }
}
