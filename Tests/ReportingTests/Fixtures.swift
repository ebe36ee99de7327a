import DPSCore
import Foundation
import Verdicts

/// Hand-built runs with known answers for every report format.
enum Fixture {
    /// 2026-01-01T00:00:00Z.
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    /// Device text with everything that must be escaped or removed: markup characters, quotes,
    /// non-ASCII text, C0 controls (NUL, SOH, VT, ESC, US), DEL and U+FFFE / U+FFFF.
    static let hostileText = "<b>Tom & \"Jerry\" 'x'</b> Grüße 日本 🚀 \u{0}\u{1}\u{B}\u{1B}[31m\u{1F}\u{FFFE}\u{FFFF}end"

    static let pass = CaseResult(
        id: "mqtt/symmetric-key/basic", title: "Register with a symmetric key", suite: "mqtt/symmetric-key",
        verdicts: [Verdict(requirement: RequirementID(reported: "DPS-MQTT-SUB-001"), outcome: .pass, expected: ["SUBSCRIBE before PUBLISH"],
                           observed: "SUBSCRIBE at #1, PUBLISH at #2", evidence: [1, 2])],
        deviceOutcome: ["status": "assigned", "assignedHub": "hub.example"], wallSeconds: 0.41, clockSeconds: 0.5)

    static let fail = CaseResult(
        id: "mqtt/symmetric-key/retry-after", title: "Honour retry-after", suite: "mqtt/symmetric-key",
        verdicts: [
            Verdict(requirement: RequirementID(reported: "DPS-MQTT-SUB-001"), outcome: .pass, expected: ["SUBSCRIBE before PUBLISH"], observed: "ok"),
            Verdict(requirement: RequirementID(reported: "DPS-FLOW-RETRY-001"), outcome: .fail,
                    expected: ["poll after >= 3 s", "poll after >= retry-after, capped"],
                    observed: "polled after 0.2 s", evidence: [3, 4]),
            Verdict(requirement: RequirementID(reported: "DPS-FLOW-POLL-002"), outcome: .fail, expected: ["operationId from the 202 response"],
                    observed: "operationId \"abc\" & <none>", evidence: [5]),
        ],
        transcript: transcript, wallSeconds: 1.25, clockSeconds: 3.5, log: ["device started", "device stopped"])

    static let error = CaseResult(
        id: "https/x509/leaf", title: "X.509 leaf over HTTPS", suite: "https/x509",
        verdicts: [Verdict(requirement: RequirementID(reported: "DPS-HTTP-TLS-001"), outcome: .error, expected: ["TLS handshake completes"],
                           observed: "port 8443 already in use")],
        wallSeconds: 0.0004, clockSeconds: 0)

    static let skip = CaseResult(
        id: "https/x509/group", title: "X.509 group enrollment", suite: "https/x509",
        verdicts: [Verdict(requirement: RequirementID(reported: "DPS-AUTH-X509-003"), outcome: .skip, expected: ["group certificate chain accepted"],
                           observed: "device has no group certificate")],
        wallSeconds: 0, clockSeconds: 0)

    static let xfail = CaseResult(
        id: "mqtt/mutant/no-subscribe", title: "Mutant that never subscribes", suite: "mqtt/mutant",
        verdicts: [Verdict(requirement: RequirementID(reported: "DPS-MQTT-SUB-001"), outcome: .xfail, expected: ["SUBSCRIBE before PUBLISH"],
                           observed: "PUBLISH without SUBSCRIBE (expected of this mutant)")],
        wallSeconds: 0.1, clockSeconds: 0.1)

    static let warn = CaseResult(
        id: "mqtt/symmetric-key/keep-alive", title: "Keep-alive", suite: "mqtt/symmetric-key",
        verdicts: [
            Verdict(requirement: RequirementID(reported: "DPS-MQTT-KEEPALIVE-002"), outcome: .warn, expected: ["keep-alive <= 240 s"],
                    observed: "keep-alive 1200 s"),
            Verdict(requirement: RequirementID(reported: "DPS-MQTT-SUB-001"), outcome: .pass, expected: ["SUBSCRIBE before PUBLISH"], observed: "ok"),
        ],
        wallSeconds: 2, clockSeconds: 2)

    /// Events with the hostile text in summary, topic and payload, and raw bytes that are not UTF-8.
    static var transcript: [WireEvent] {
        let recorder = Transcript()
        recorder.append(WireEvent(time: start, connection: "mqtt#1", transport: .mqtt, direction: .toService,
                                  content: .mqtt(.connect(MQTTConnectRecord(clientID: "dev-1", username: nil, password: nil, cleanSession: true,
                                                                            keepAliveSeconds: 60))), raw: [0x10, 0x00]))
        recorder.append(WireEvent(time: start.addingTimeInterval(0.25), connection: "mqtt#1", transport: .mqtt,
                                  direction: .toDevice, content: .mqtt(.connAck(returnCode: 0, sessionPresent: false))))
        recorder.append(WireEvent(time: start.addingTimeInterval(0.5), connection: "mqtt#1", transport: .mqtt, direction: .toService,
                                  content: .mqtt(.publish(MQTTPublishRecord(topic: "$dps/registrations/PUT/iotdps-register/?$rid=1&x=<y>&" + hostileText, qos: 1, duplicate: false, retain: false, packetID: 2,
                                                                            payload: Array(("{\"payload\": \"" + hostileText + "\"}").utf8)))),
                                  raw: [0x00, 0xFF, 0x3C, 0x26, 0xC3]))
        recorder.append(WireEvent(time: start.addingTimeInterval(3.5), connection: "mqtt#1", transport: .mqtt,
                                  direction: .local, content: .note(.closed(.error("connection closed\nby peer")))))
        return recorder.snapshot
    }

    /// Every outcome once, in three suites.
    static let mixedRun = RunResult(
        name: "nightly <conformance> & \"more\"", startedAt: start.addingTimeInterval(0.125), wallSeconds: 4.5,
        cases: [pass, fail, error, skip, xfail, warn],
        properties: ["tool": "dpsconform 0.1", "seed": "42", "endpoint": "mqtts://localhost:8883?a=1&b=<2>"])

    static let passingRun = RunResult(name: "green", startedAt: start, wallSeconds: 2.51, cases: [pass, xfail, warn])

    static let emptyRun = RunResult(name: "empty", startedAt: start, wallSeconds: 0, cases: [])

    /// Characters the XML 1.0 `Char` production forbids.
    static func hasForbiddenXMLCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: false
            default: true
            }
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reporting-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
