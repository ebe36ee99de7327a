import DPSCore
import Device
@testable import FakeDPS
import Foundation
import Logging
import MQTTWire
@testable import ScenarioEngine
import Testing
import Verdicts

/// Builds transcripts packet by packet through the fake's own recorder, so each check is shown
/// to fail on exactly the events the real recorder makes for the fault it exists for.
struct TranscriptScript {
    let transcript = Transcript()
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let clock: VirtualClock

    init() {
        clock = VirtualClock(start: start)
    }

    func device(_ packet: MQTTPacket, at seconds: Double = 0, connection: String = "mqtt#1") {
        recorder(at: seconds, connection).inbound(packet, raw: (try? packet.encode()) ?? [])
    }

    func service(_ packet: MQTTPacket, at seconds: Double = 0, connection: String = "mqtt#1") {
        recorder(at: seconds, connection).outbound(packet, raw: (try? packet.encode()) ?? [])
    }

    /// A note the fake makes, at `seconds`.
    func note(_ note: WireNote, at seconds: Double = 0, connection: String = "mqtt#1") {
        recorder(at: seconds, connection).note(note)
    }

    /// The fake's recorder for `connection`, with the clock moved on to `seconds` after the start.
    private func recorder(at seconds: Double, _ connection: String) -> WireRecorder {
        let target = start.addingTimeInterval(seconds)
        let ahead = target.timeIntervalSince(clock.now())
        if ahead > 0 { clock.advance(by: .seconds(ahead)) }
        return WireRecorder(transcript: transcript, clock: clock, connection: connection,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    // DPS exchanges.
    func connect(id: String = "dev-1", username: String = "0ne0000FAKE/registrations/dev-1/api-version=2019-03-31", at seconds: Double = 0) {
        device(.connect(MQTTConnect(clientIdentifier: id, userName: username, password: Array("x".utf8))), at: seconds)
        service(.connAck(MQTTConnAck(returnCode: .accepted)), at: seconds)
    }

    func subscribe(at seconds: Double = 0) {
        device(.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: DPSTopic.responseFilter, requestedQoS: .atLeastOnce)])), at: seconds)
        service(.subAck(MQTTSubAck(packetIdentifier: 1, returnCodes: [.granted(.atLeastOnce)])), at: seconds)
    }

    func register(rid: String, at seconds: Double) {
        device(.publish(MQTTPublish(topicName: DPSTopic.register(requestID: rid), payload: Array(#"{"registrationId":"dev-1"}"#.utf8), qos: .atLeastOnce,
                                    packetIdentifier: 2)), at: seconds)
    }

    func poll(rid: String, operation: String, at seconds: Double) {
        device(.publish(MQTTPublish(topicName: DPSTopic.poll(requestID: rid, operationID: operation), qos: .atLeastOnce, packetIdentifier: 3)), at: seconds)
    }

    func respond(status: Int, rid: String, retryAfter: String? = nil, body: String, at seconds: Double) {
        service(.publish(MQTTPublish(topicName: DPSTopic.response(status: status, rawRequestID: rid, retryAfter: retryAfter),
                                     payload: Array(body.utf8), qos: .atLeastOnce, packetIdentifier: 9)), at: seconds)
    }

    /// The check's finding. `outcome` is what the service told the device (nil: read from the
    /// transcript, as for any case); `claim` is the device's own report of it.
    func finding(_ id: RequirementID, outcome: ProvisioningOutcome? = ProvisioningOutcome(status: .assigned),
                 claim: ProvisioningOutcome? = nil) throws -> VerdictOutcome {
        let scenario = try #require(try ScenarioLoader.load(file: try temporaryFile(validScenario)).first)
        var fixed = scenario
        fixed.service.idScope = "0ne0000FAKE"
        let check = try #require(CheckLibrary.check(for: id))
        let view = TranscriptView(events: transcript.snapshot)
        let told = outcome ?? ToldOutcome.derive(from: view, clockSeconds: 0, deadline: fixed.device.deadline)
        return check.evaluate(CheckContext(scenario: fixed, outcome: told, view: view, deviceReport: claim.map(DeviceReport.init))).outcome
    }
}

let assigning = #"{"operationId":"op-1","status":"assigning"}"#
let assigned = #"{"operationId":"op-1","status":"assigned","registrationState":{"assignedHub":"h","deviceId":"dev-1","status":"assigned"}}"#

@Suite("Checks: each one passes the good exchange and fails the fault it exists for")
struct CheckTests {
    func goodExchange() -> TranscriptScript {
        let script = TranscriptScript()
        script.connect()
        script.subscribe()
        script.register(rid: "1", at: 0)
        script.respond(status: 202, rid: "1", retryAfter: "3", body: assigning, at: 0.1)
        script.poll(rid: "2", operation: "op-1", at: 3.2)
        script.respond(status: 200, rid: "2", body: assigned, at: 3.3)
        script.device(.disconnect, at: 3.4)
        return script
    }

    @Test("the good exchange passes every default check")
    func good() throws {
        let script = goodExchange()
        for id in CheckLibrary.defaultChecks(for: .mqtt) where id != .dpsFlowResult001 {
            #expect([.pass, .skip].contains(try script.finding(id)), "\(id)")
        }
    }

    @Test("DPS-FLOW-RETRY-001 fails a poll 1 s after retry-after 3")
    func retryAfter() throws {
        let script = TranscriptScript()
        script.connect(); script.subscribe()
        script.register(rid: "1", at: 0)
        script.respond(status: 202, rid: "1", retryAfter: "3", body: assigning, at: 0.1)
        script.poll(rid: "2", operation: "op-1", at: 1.1)
        #expect(try script.finding(.dpsFlowRetry001) == .fail)
        #expect(try goodExchange().finding(.dpsFlowRetry001) == .pass)
    }

    @Test("DPS-FLOW-RID-001 fails a reused $rid")
    func reusedRID() throws {
        let script = TranscriptScript()
        script.connect(); script.subscribe()
        script.register(rid: "1", at: 0)
        script.respond(status: 202, rid: "1", retryAfter: "3", body: assigning, at: 0.1)
        script.poll(rid: "1", operation: "op-1", at: 3.2)
        #expect(try script.finding(.dpsFlowRid001) == .fail)
    }

    @Test("DPS-MQTT-SUB-001 fails a publish before subscribe")
    func publishFirst() throws {
        let script = TranscriptScript()
        script.connect()
        script.register(rid: "1", at: 0)
        script.subscribe(at: 0.5)
        #expect(try script.finding(.dpsMqttSub001) == .fail)
    }

    @Test("DPS-FLOW-POLL-001 fails a poll for another operation")
    func wrongOperation() throws {
        let script = TranscriptScript()
        script.connect(); script.subscribe()
        script.register(rid: "1", at: 0)
        script.respond(status: 202, rid: "1", retryAfter: "3", body: assigning, at: 0.1)
        script.poll(rid: "2", operation: "op-9", at: 3.2)
        #expect(try script.finding(.dpsFlowPoll001) == .fail)
    }

    @Test("DPS-FLOW-ERR-001 fails a retry after 401")
    func retriesAfter401() throws {
        let script = TranscriptScript()
        script.connect(); script.subscribe()
        script.register(rid: "1", at: 0)
        script.respond(status: 401, rid: "1", body: #"{"errorCode":401002}"#, at: 0.1)
        script.register(rid: "2", at: 5)
        #expect(try script.finding(.dpsFlowErr001) == .fail)
    }

    @Test("DPS-FLOW-TERM-001 fails a poll after assigned")
    func pollAfterAssigned() throws {
        let script = goodExchange()
        script.poll(rid: "3", operation: "op-1", at: 9)
        #expect(try script.finding(.dpsFlowTerm001) == .fail)
    }

    @Test("DPS-MQTT-CONN-001 and -002 fail a wrong client id and a username for another device")
    func connect() throws {
        let script = TranscriptScript()
        script.connect(id: "other", username: "0ne0000FAKE/registrations/other/api-version=2019-03-31")
        #expect(try script.finding(.dpsMqttConn001) == .fail)
        #expect(try script.finding(.dpsMqttConn002) == .fail)
    }

    @Test("a '?api-version' username is DPS-MQTT-CONN-003's finding, not CONN-002's")
    func questionMark() throws {
        let script = TranscriptScript()
        script.connect(username: "0ne0000FAKE/registrations/dev-1?api-version=2019-03-31")
        #expect(try script.finding(.dpsMqttConn002) == .skip)
        #expect(try script.finding(.dpsMqttConn003) == .fail)
        #expect(try goodExchange().finding(.dpsMqttConn003) == .pass)
    }

    @Test("DPS-MQTT-DISC-001 fails when the device just drops the connection")
    func noDisconnect() throws {
        let script = TranscriptScript()
        script.connect(); script.subscribe()
        script.register(rid: "1", at: 0)
        #expect(try script.finding(.dpsMqttDisc001) == .fail)
        #expect(try goodExchange().finding(.dpsMqttDisc001) == .pass)
    }

    @Test("DPS-FLOW-RESULT-001 fails an outcome the scenario does not allow")
    func result() throws {
        let script = goodExchange()
        #expect(try script.finding(.dpsFlowResult001, outcome: ProvisioningOutcome(status: .timedOut)) == .fail)
        var told = ProvisioningOutcome(status: .assigned)
        told.assignedHub = "h"
        told.deviceId = "dev-1"
        #expect(try script.finding(.dpsFlowResult001, outcome: told) == .pass)
        #expect(try script.finding(.dpsFlowResult001, outcome: nil, claim: told) == .pass, "the outcome read from the transcript")
        // A device that reports an assignment the service did not send: another hub, or none at all.
        var other = told
        other.assignedHub = "elsewhere"
        #expect(try script.finding(.dpsFlowResult001, outcome: nil, claim: other) == .fail)
        #expect(try script.finding(.dpsFlowResult001, outcome: nil, claim: ProvisioningOutcome(status: .protocolError)) == .fail,
                "assigned by the service, reported as something else")
        let stillAssigning = TranscriptScript()
        stillAssigning.connect(); stillAssigning.subscribe()
        stillAssigning.register(rid: "1", at: 0)
        stillAssigning.respond(status: 202, rid: "1", retryAfter: "3", body: assigning, at: 0.1)
        #expect(try stillAssigning.finding(.dpsFlowResult001, outcome: nil, claim: told) == .fail)
    }
}
