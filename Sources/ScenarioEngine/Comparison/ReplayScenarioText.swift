import DPSCore
import Foundation

/// The scenario file `record --as-scenario` writes beside a recording: a case that replays the
/// recorded service's answers to the device and compares what it sends with what the recorded
/// device sent (docs/recordings.md).
public enum ReplayScenarioText {
    public static func make(caseID: String, recordingFile: String, transport: ScenarioTransport, events: [WireEvent], service: String) -> String {
        let view = TranscriptView(events: events)
        let registrationID = view.requests.compactMap { $0.event.exchange?.registrationID }.first
            ?? view.connects.compactMap { (try? MQTTUsername(parsing: $0.packet.username ?? ""))?.registrationID }.first
            ?? "recorded-device"
        let idScope = view.connects.compactMap { (try? MQTTUsername(parsing: $0.packet.username ?? ""))?.idScope }.first
            ?? view.httpRequests.compactMap { $0.request.route?.idScope }.first ?? "0ne00000000"
        let told = ToldOutcome.derive(from: view, clockSeconds: 0, deadline: .seconds(300))
        // A key for the replaying fake's enrollment: the recording holds no key, and the replayed
        // answers do not depend on it.
        let key = Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).base64EncodedString()
        let id = "replay/" + caseID.replacingOccurrences(of: ":", with: "-")
        return """
            # Replays \(recordingFile) (recorded from \(service)) to the device, and compares what the
            # device sends with what the recorded device sent (DPS-BEHAV-*). Written by
            # 'dpsconform record --as-scenario'; run it with 'dpsconform run THIS-FILE'.
            suite: recordings
            scenarios:
              - id: \(id)
                title: "Replay of \(caseID)"
                tags: [replay]
                transport: \(transport.rawValue)
                replay: \(recordingFile)
                service: {idScope: \(quoted(idScope))}
                enrollments:
                  individual:
                    - registrationId: \(quoted(registrationID))
                      symmetricKey: {primaryKey: "\(key)"}
                device:
                  registrationId: \(quoted(registrationID))
                  key: primary
                expect:
                  outcome: \(told.status.rawValue)

            """
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
