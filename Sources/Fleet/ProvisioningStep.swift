import DPSCore

/// A DPS answer as both transports deliver it: status, `retry-after`, JSON body.
struct DPSAnswer: Sendable {
    var status: Int
    var retryAfter: String?
    var body: [UInt8]
}

/// What a device does after an answer (Microsoft Learn iot-dps-mqtt-support, iot-dps-https-sym-key-support):
/// done when assigned, poll the operation after exactly the retry-after the service gave when 202.
enum ProvisioningStep: Sendable, Equatable {
    case assigned
    /// Poll `operationID` after `wait` (0 included: no floor).
    case poll(operationID: String, wait: Duration)

    static func after(_ answer: DPSAnswer, previousOperationID: String?, tally: inout FleetTally) throws(FleetFailure) -> ProvisioningStep {
        if let kind = FleetErrorKind.forStatus(answer.status) {
            throw FleetFailure(kind, "status \(answer.status)")
        }
        let model: RegistrationOperationStatus
        do {
            model = try JSONText.decode(RegistrationOperationStatus.self, from: answer.body, what: "operation status")
        } catch {
            throw FleetFailure(.protocolError, "the \(answer.status) body is not an operation status: \(error)")
        }
        let status = model.registrationState?.status ?? model.status
        if answer.status == 200 {
            guard status == .assigned else { throw FleetFailure(.notAssigned, "status \(status.map { "\($0)" } ?? "absent")") }
            return .assigned
        }
        guard answer.status == 202 else { throw FleetFailure(.protocolError, "status \(answer.status) is neither 200 nor 202") }
        guard let operationID = model.operationId.flatMap({ $0.isEmpty ? nil : $0 }) ?? previousOperationID else {
            throw FleetFailure(.protocolError, "a 202 without an operationId")
        }
        let seconds: Int
        if let text = answer.retryAfter {
            guard let parsed = RetryAfter.seconds(text), parsed <= 3600 else {
                throw FleetFailure(.protocolError, "retry-after '\(text.prefix(20))' is not a number of seconds up to 3600")
            }
            seconds = parsed
            tally.retryAfterWaits[String(parsed), default: 0] += 1
        } else {
            // DPS always sends one with a 202; without it, poll at once rather than guess a floor.
            seconds = 0
            tally.retryAfterWaits["absent", default: 0] += 1
        }
        return .poll(operationID: operationID, wait: .seconds(seconds))
    }
}
