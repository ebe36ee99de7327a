import DPSCore

/// Judges one registration-ID case: valid IDs are accepted; invalid ones are refused with a 4xx
/// carrying the documented error code (400004, or 404xxx since azure-iot-sdk-csharp PR 592;
/// 401002 when the credentials fail), a CONNACK refusal or a TLS refusal; nothing is registered
/// under an ID other than the one the credentials attest; every request is answered or closed
/// within the deadline.
public struct RegistrationIDOracle: Sendable {
    public let profile: RegistrationIDProfile

    public init(profile: RegistrationIDProfile) {
        self.profile = profile
    }

    /// What one case must get, and the rule a wrong answer breaks.
    public func expectation(_ fuzzCase: RegistrationIDCase) -> (verdict: IDVerdict, rule: RequirementID) {
        let places = IDPlace.places(fuzzCase.transport, fuzzCase.credential)
        for place in places {
            let (verdict, rule) = profile.judge(fuzzCase.id(at: place), credential: fuzzCase.credential)
            if verdict == .invalid { return (.invalid, rule ?? .dpsId002) }
        }
        if let disagreement = fuzzCase.disagreement {
            // Only the case of the letters differs: IDs are case-insensitive (Microsoft Learn concepts-service).
            if disagreement.otherID.lowercased() == fuzzCase.id.lowercased() { return (.acceptable, disagreement.place.requirement) }
            return (.invalid, disagreement.place.requirement)
        }
        return (.valid, fuzzCase.id.utf8.count > 64 ? .dpsId001 : .dpsId002)
    }

    /// The violations of one case. `registered` are the registration IDs of operations the case
    /// created (nil when the destination cannot be observed).
    public func judge(_ fuzzCase: RegistrationIDCase, answer: WireAnswer, registered: [String]?) -> [OracleFinding] {
        var found: [OracleFinding] = []
        let (verdict, rule) = expectation(fuzzCase)
        if answer == .noAnswerWithinDeadline {
            found.append(OracleFinding(kind: .hang, requirement: rule, expected: ["an answer or a close within the deadline"], observed: answer.text))
        }
        for id in registered ?? [] where id.lowercased() != fuzzCase.attestedID.lowercased() {
            found.append(OracleFinding(kind: .registeredUnderOtherID, requirement: fuzzCase.disagreement?.place.requirement ?? rule,
                                       expected: ["nothing registered under an ID other than the attested '\(fuzzCase.attestedID.debugDescription)'"],
                                       observed: "an operation was created for '\(id.debugDescription)'"))
        }
        switch verdict {
        case .valid where !answer.accepted && answer != .noAnswerWithinDeadline:
            found.append(OracleFinding(kind: .validRefused, requirement: rule,
                                       expected: ["'\(fuzzCase.id.debugDescription)' is valid under the \(profile.rawValue) rule: accepted (202 or 200)"], observed: answer.text))
        case .invalid where answer.accepted:
            found.append(OracleFinding(kind: .invalidAccepted, requirement: rule,
                                       expected: ["refused: 4xx with errorCode 400004 or 404xxx, a CONNACK refusal or a TLS refusal"], observed: answer.text))
        case .invalid, .acceptable:
            if let wrong = undocumentedRefusal(answer, fuzzCase) {
                found.append(OracleFinding(kind: .undocumentedRefusal, requirement: rule,
                                           expected: ["a refusal is a 4xx whose errorCode is documented (400004, 401002, 404xxx), a CONNACK refusal or a TLS refusal"],
                                           observed: wrong))
            }
        case .valid:
            break
        }
        return found
    }

    /// Why `answer` is not a documented refusal, or nil when it is one (or not a refusal at all).
    func undocumentedRefusal(_ answer: WireAnswer, _ fuzzCase: RegistrationIDCase) -> String? {
        switch answer {
        case .response(let status, let code):
            guard !(200..<300).contains(status) else { return nil }
            guard [400, 401, 404].contains(status) else { return answer.text + " (not a 400, 401 or 404)" }
            guard let code else { return answer.text + " (the body carries no errorCode)" }
            guard DPSErrorCode.status(of: code) == status, code >= 100_000, code <= 999_999 else {
                return answer.text + " (the errorCode does not start with the status)"
            }
            return nil
        case .closedWithoutAnswer:
            // MQTT 3.1.1 section 1.5.3: a packet with U+0000 in a string MUST close the connection
            // (MQTT-1.5.3-2); with a noncharacter such as U+FFFF the receiver may.
            let mqttStrings = [fuzzCase.id(at: .clientID), fuzzCase.id(at: .username)]
            if fuzzCase.transport == .mqtt, mqttStrings.contains(where: { $0.unicodeScalars.contains { $0.value == 0 || $0.value == 0xFFFF } }) {
                return nil
            }
            return answer.text
        case .connackRefused, .handshakeRefused, .noAnswerWithinDeadline, .connectFailed:
            return nil
        }
    }
}
