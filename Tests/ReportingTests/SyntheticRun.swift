import DPSCore
import Foundation
import Verdicts

/// Made-up runs of any size for the HTML report's scale and browser tests: each case a plausible
/// MQTT registration (TLS certificate, CONNECT, SUBSCRIBE, register, polls answered with
/// retry-after, the assignment, DISCONNECT and the close), with a spread of outcomes whose
/// failing verdicts name transcript events as evidence.
enum SyntheticRun {
    /// The outcome of case `index`: mostly passes, every 7th a failure, every 11th a skip, every
    /// 13th an xfail, every 17th a warning, every 50th an error.
    static func outcome(_ index: Int) -> VerdictOutcome {
        if index % 50 == 49 { return .error }
        if index % 7 == 3 { return .fail }
        if index % 11 == 5 { return .skip }
        if index % 13 == 6 { return .xfail }
        if index % 17 == 8 { return .warn }
        return .pass
    }

    static let suites = ["mqtt/symmetric-key", "mqtt/x509", "mqtt/faults", "https/symmetric-key", "mqtt/mutant"]

    /// `count` cases of about `polls * 2 + 12` events each (20 with the default).
    static func run(cases count: Int, polls: Int = 4) -> RunResult {
        let cases = (0..<count).map { item($0, polls: polls) }
        return RunResult(name: "synthetic \(count)-case run", startedAt: Fixture.start, wallSeconds: Double(count) * 0.4, cases: cases,
                         properties: ["tool": "dpsconform (synthetic)", "cases": "\(count)"])
    }

    /// How many cases of a `count`-case run come out as `outcome`.
    static func count(_ outcome: VerdictOutcome, of count: Int) -> Int {
        (0..<count).filter { self.outcome($0) == outcome }.count
    }

    static func item(_ index: Int, polls: Int) -> CaseResult {
        let outcome = outcome(index)
        let registration = "device-\(index)"
        let transcript = events(registration: registration, polls: polls, start: Fixture.start.addingTimeInterval(Double(index) * 10))
        let firstPoll = transcript.first { $0.exchange?.kind == .poll }?.sequence ?? 0
        let register = transcript.first { $0.exchange?.kind == .register }?.sequence ?? 0
        var verdicts = [
            Verdict(requirement: .dpsMqttSub001, outcome: .pass, expected: ["SUBSCRIBE before the first PUBLISH"],
                    observed: "SUBSCRIBE at #2, PUBLISH at #\(register)", evidence: [2, register]),
        ]
        let retry = RequirementID.dpsFlowRetry001
        switch outcome {
        case .pass:
            verdicts.append(Verdict(requirement: retry, outcome: .pass, expected: ["poll after >= retry-after"], observed: "polled after 3 s"))
        case .fail:
            verdicts.append(Verdict(requirement: retry, outcome: .fail, expected: ["poll after >= retry-after (3 s)"],
                                    observed: "polled 0.2 s after the 202", evidence: [firstPoll - 1, firstPoll]))
        case .error:
            verdicts.append(Verdict(requirement: RequirementID(reported: "DPS-HTTP-TLS-001"), outcome: .error, expected: ["TLS handshake completes"],
                                    observed: "the fake could not start"))
        case .skip:
            verdicts = [Verdict(requirement: RequirementID(reported: "DPS-AUTH-X509-003"), outcome: .skip, expected: ["group chain accepted"],
                                observed: "device has no group certificate")]
        case .xfail:
            verdicts.append(Verdict(requirement: RequirementID(reported: "DPS-FLOW-POLL-002"), outcome: .xfail, expected: ["operationId from the 202"],
                                    observed: "polled without operationId (expected of this mutant)", evidence: [firstPoll]))
        case .warn:
            verdicts.append(Verdict(requirement: RequirementID(reported: "DPS-MQTT-KEEPALIVE-002"), outcome: .warn, expected: ["keep-alive <= 240 s"],
                                    observed: "keep-alive 1200 s", evidence: [1]))
        }
        return CaseResult(id: "\(suites[index % suites.count])/case-\(index)", title: "Synthetic case \(index)", suite: suites[index % suites.count],
                          verdicts: verdicts, transcript: outcome == .skip ? [] : transcript,
                          deviceOutcome: ["status": "assigned", "assignedHub": "hub-\(index % 3).example"],
                          wallSeconds: 0.4, clockSeconds: Double(polls) * 3, log: ["device started", "device stopped"])
    }

    static func events(registration: String, polls: Int, start: Date) -> [WireEvent] {
        let recorder = Transcript()
        var clock = start
        func add(_ direction: WireEvent.Direction, _ content: WireContent, exchange: DPSExchange? = nil, transport: WireEvent.Transport = .mqtt,
                 after seconds: Double = 0.05) {
            clock = clock.addingTimeInterval(seconds)
            recorder.append(WireEvent(time: clock, connection: "mqtt#1", transport: transport, direction: direction, content: content, exchange: exchange))
        }
        add(.toService, .certificate(PresentedCertificateRecord(index: 0, subjectCommonName: registration, sha256: String(repeating: "ab", count: 32))),
            transport: .tls)
        add(.toService, .mqtt(.connect(MQTTConnectRecord(clientID: registration, username: "0ne00000000/registrations/\(registration)/api-version=2019-03-31",
                                                         password: nil, cleanSession: true, keepAliveSeconds: 60))))
        add(.toDevice, .mqtt(.connAck(returnCode: 0, sessionPresent: false)))
        add(.toService, .mqtt(.subscribe(packetID: 1, filters: [MQTTSubscriptionRecord(filter: "$dps/registrations/res/#", qos: 1)])))
        add(.toDevice, .mqtt(.subAck(packetID: 1, returnCodes: [1])))
        let body = Array("{\"registrationId\":\"\(registration)\"}".utf8)
        add(.toService, publish("$dps/registrations/PUT/iotdps-register/?$rid=1", body, packetID: 2),
            exchange: .request(.register, requestID: "1", registrationID: registration))
        add(.toDevice, .mqtt(.pubAck(packetID: 2)))
        let assigning = Array("{\"operationId\":\"4.0000.\(registration)\",\"status\":\"assigning\"}".utf8)
        add(.toDevice, publish("$dps/registrations/res/202/?$rid=1&retry-after=3", assigning, packetID: nil),
            exchange: .response(to: .register, requestID: "1", status: 202, retryAfter: "3", body: assigning))
        for poll in 0..<polls {
            let rid = "\(poll + 2)"
            add(.toService, publish("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=\(rid)&operationId=4.0000.\(registration)", [], packetID: 3 + poll),
                exchange: .request(.poll, requestID: rid, registrationID: registration, operationID: "4.0000.\(registration)"), after: 3)
            if poll == polls - 1 {
                let assigned = Array(("{\"operationId\":\"4.0000.\(registration)\",\"status\":\"assigned\",\"registrationState\":{\"registrationId\":\""
                    + registration + "\",\"assignedHub\":\"hub.example\",\"deviceId\":\"\(registration)\",\"status\":\"assigned\"}}").utf8)
                add(.toDevice, publish("$dps/registrations/res/200/?$rid=\(rid)", assigned, packetID: nil),
                    exchange: .response(to: .poll, requestID: rid, status: 200, retryAfter: nil, body: assigned))
            } else {
                add(.toDevice, publish("$dps/registrations/res/202/?$rid=\(rid)&retry-after=3", assigning, packetID: nil),
                    exchange: .response(to: .poll, requestID: rid, status: 202, retryAfter: "3", body: assigning))
            }
        }
        add(.toService, .mqtt(.disconnect))
        add(.local, .note(.closed(.deviceDisconnected)))
        add(.local, .note(.info("TLS 1.2 session ended")), transport: .tls)
        return recorder.snapshot
    }

    private static func publish(_ topic: String, _ payload: [UInt8], packetID: Int?) -> WireContent {
        .mqtt(.publish(MQTTPublishRecord(topic: topic, qos: packetID == nil ? 0 : 1, duplicate: false, retain: false, packetID: packetID, payload: payload)))
    }
}
