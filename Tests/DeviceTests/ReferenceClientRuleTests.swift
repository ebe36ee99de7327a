import DPSCore
import Device
import Foundation
import Testing

/// Each protocol rule of the reference client, driven through the transport seam with scripted
/// replies on virtual time. Every test here is one a mutant profile fails.
@Suite("Reference client rules (scripted service)")
struct ReferenceClientRuleTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("DPS-FLOW-POLL-001: polls carry the operationId of the register response")
    func pollsWithOperationID() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning(operationID: "op-from-register")),
            .respond(Reply.assigning(operationID: nil)),
            .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .assigned)
        #expect(service.sent.map(\.request.kind) == [.register, .poll, .poll])
        #expect(service.sent.dropFirst().map(\.request.operationID) == ["op-from-register", "op-from-register"])
        #expect(outcome.operationId == Reply.operationID)
    }

    @Test("DPS-FLOW-RID-001: every request, retries included, has a $rid not used before")
    func freshRequestIDs() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.error(429, errorCode: 429001, retryAfter: "2")),
            .respond(Reply.assigning()), .respond(Reply.assigning()), .respond(Reply.assigned()),
        ])
        _ = await runScripted(service)
        let rids = service.sent.map(\.request.requestID)
        #expect(rids.count == 4)
        #expect(Set(rids).count == rids.count)
    }

    @Test("DPS-FLOW-RETRY-001: the next request comes retry-after seconds later, not earlier",
          arguments: [("7", 7.0), ("3", 3.0), ("1", 2.0), ("0", 2.0), ("600", 600.0), ("1.5", 2.0), ("2.2", 3.0)])
    func honoursRetryAfter(text: String, expected: Double) async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning(retryAfter: text)), .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service, settings: scriptedSettings(deadline: .seconds(1000)))
        #expect(outcome.status == .assigned)
        #expect(service.gaps == [expected])
    }

    @Test("DPS-FLOW-RETRY-001: an HTTP-date retry-after is waited until; garbage falls back to 2 s")
    func retryAfterForms() async {
        let clock = VirtualClock(start: start)
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT; the date below is 40 s later.
        let service = ScriptedService(clock: clock, steps: [
            .respond(Reply.assigning(retryAfter: "Tue, 14 Nov 2023 22:14:00 GMT")),
            .respond(Reply.assigning(retryAfter: "soon")),
            .respond(Reply.assigning(retryAfter: nil)),
            .respond(Reply.assigned()),
        ])
        _ = await runScripted(service)
        #expect(service.gaps == [40, 2, 2])
    }

    @Test("DPS-FLOW-RETRY-001: a retry-after beyond the deadline ends the run instead of being shortened (pitfall B)")
    func retryAfterBeyondDeadline() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.assigning(retryAfter: "600"))])
        let outcome = await runScripted(service, settings: scriptedSettings(deadline: .seconds(300)))
        #expect(outcome.status == .timedOut)
        #expect(service.sent.count == 1, "no poll earlier than the service asked")
    }

    @Test("DPS-FLOW-RETRY-002: without retry-after, 429 and 5xx back off exponentially with jitter")
    func exponentialBackoff() async {
        func delays(seed: UInt64) async -> [Double] {
            let steps: [ScriptedService.Step] = [429, 503, 500, 429, 503, 500, 429, 429].map { .respond(Reply.error($0, errorCode: $0 * 1000 + 1)) }
            let service = ScriptedService(clock: VirtualClock(start: start), steps: steps + [.respond(Reply.assigned())])
            let outcome = await runScripted(service, settings: scriptedSettings(deadline: .seconds(3600), retry: RetryPolicy(jitterSeed: seed)))
            #expect(outcome.status == .assigned)
            return service.gaps
        }
        let first = await delays(seed: 1)
        #expect(first.count == 8)
        // the Embedded C SDK az_iot_calculate_retry_delay with 1 s minimum, 100 s maximum, jitter below 5 s:
        // attempt n waits 2^n s plus jitter while that stays under 100 s, then 100 s.
        let lower: [Double] = [2, 4, 8, 16, 32, 64, 100, 100]
        let upper: [Double] = [7, 9, 13, 21, 37, 69, 100, 100]
        for (index, gap) in first.enumerated() {
            #expect(gap >= lower[index] && gap <= upper[index], "retry \(index + 1) waited \(gap) s")
        }
        let second = await delays(seed: 2)
        #expect(first != second, "jitter depends on the seed")
    }

    @Test("DPS-FLOW-TRANSIENT-001: 429 on register is waited out and the register resent (pitfall 1)")
    func throttledRegister() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.error(429, errorCode: 429001, retryAfter: "5")),
            .respond(Reply.assigning()), .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .assigned)
        #expect(service.sent.map(\.request.kind) == [.register, .register, .poll])
        #expect(service.gaps.first == 5)
    }

    @Test("DPS-FLOW-OPID-001: a 503 mid-polling without operationId keeps polling the cached operation (pitfall 2, 13)")
    func serverErrorMidPolling() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning()),
            .respond(Reply.error(503, errorCode: 503001, retryAfter: "4")),
            .respond(ServiceResponse(status: 500, body: [])),
            .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .assigned)
        #expect(service.sent.map(\.request.kind) == [.register, .poll, .poll, .poll])
        #expect(Set(service.sent.dropFirst().map(\.request.operationID)) == [Reply.operationID])
        #expect(service.gaps[1] == 4)
    }

    @Test("DPS-FLOW-ERR-001: a 4xx other than 429 is final, with the service's error code",
          arguments: [(401, 401002), (404, 404201), (400, 400004), (403, 403001), (409, 409203)])
    func permanentErrors(status: Int, code: Int) async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.error(status, errorCode: code, message: "nope"))])
        let outcome = await runScripted(service)
        #expect(outcome.status == .rejected)
        #expect(outcome.errorCode == code)
        #expect(outcome.message == "nope")
        #expect(service.sent.count == 1)
    }

    @Test("DPS-FLOW-ERR-001: a 404 on a poll is final too")
    func permanentPollError() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning()), .respond(Reply.error(404, errorCode: 404202)),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .rejected)
        #expect(outcome.errorCode == 404202)
        #expect(service.sent.count == 2)
    }

    @Test("DPS-FLOW-TERM-001: failed, disabled and unassigned end the run with errorCode and message (pitfall 6, L)",
          arguments: [(RegistrationStatus.failed, ProvisioningOutcome.Status.failed), (.disabled, .disabled), (.unassigned, .unassigned)])
    func terminalStates(status: RegistrationStatus, expected: ProvisioningOutcome.Status) async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning()),
            .respond(Reply.terminal(status, errorCode: 400207, message: "Custom allocation failed with status code: 400")),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == expected)
        #expect(outcome.errorCode == 400207)
        #expect(outcome.message == "Custom allocation failed with status code: 400")
        #expect(service.sent.count == 2, "no poll after a terminal status")
    }

    @Test("DPS-FLOW-DEADLINE-001: endless assigning ends at the deadline, in virtual time (pitfall 5)")
    func deadline() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [])
        let outcome = await runScripted(service, settings: scriptedSettings(deadline: .seconds(60)))
        #expect(outcome.status == .timedOut)
        #expect(outcome.elapsedSeconds <= 60)
        // register at 0 then a poll every 3 s: 0, 3, ..., 57, all on the virtual clock (which the
        // scripted service reads): 60 s of its time passed, whatever the wall time was.
        #expect(service.sent.count == 20)
        #expect(outcome.elapsedSeconds >= 57)
    }

    @Test("DPS-FLOW-DEADLINE-001: response timeouts count against the deadline")
    func timeoutsAgainstDeadline() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [], fallback: .fail(TransportError(.timeout, "silence")))
        let outcome = await runScripted(service, settings: scriptedSettings(deadline: .seconds(60)))
        #expect(outcome.status == .timedOut)
        #expect(outcome.elapsedSeconds <= 60)
        #expect(service.sent.count >= 2 && service.sent.count <= 5)
    }

    @Test("DPS-FLOW-RECONNECT-001: a dropped connection is retried on a new connection with a new $rid")
    func droppedConnection() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning()),
            .fail(TransportError(.connectionLost, "dropped")),
            .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .assigned)
        #expect(outcome.connections == 2)
        #expect(service.sent.map(\.connection) == [1, 1, 2])
        #expect(service.sent.map(\.request.kind) == [.register, .poll, .poll])
        #expect(service.sent[1].request.requestID != service.sent[2].request.requestID)
        #expect(service.closes == 2, "the dead connection and the last one are both closed")
    }

    @Test("DPS-FLOW-RECONNECT-001: an unanswered request is resent on a new connection (pitfall 4)")
    func responseTimeout() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .fail(TransportError(.timeout, "no answer")),
            .respond(Reply.assigning()), .respond(Reply.assigned()),
        ])
        let outcome = await runScripted(service)
        #expect(outcome.status == .assigned)
        #expect(service.sent.map(\.connection) == [1, 2, 2])
        #expect(service.sent.map(\.request.kind) == [.register, .register, .poll])
        // The 10 s response timeout passed, then at least the 2 s minimum back-off.
        #expect(service.gaps[0] >= 12)
    }

    @Test("the first connection failing is a connection failure, at once")
    func firstConnectionFails() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [], openFailures: [TransportError(.connectFailed, "refused")])
        let outcome = await runScripted(service)
        #expect(outcome.status == .connectionFailed)
        #expect(service.sent.isEmpty)
    }

    @Test("HTTPS connects lazily: a first request that cannot connect is a connection failure")
    func lazyConnectFailure() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.fail(TransportError(.connectFailed, "TLS failed"))])
        let outcome = await runScripted(service)
        #expect(outcome.status == .connectionFailed)
        #expect(service.sent.count == 1)
    }

    @Test("DPS-MQTT-DISC-001: the connection is closed once at the end, never abandoned")
    func disconnects() async {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.assigning()), .respond(Reply.assigned())])
        _ = await runScripted(service)
        #expect(service.closes == 1)
        #expect(service.abandons == 0)
    }

    @Test("unreadable and incomplete answers end as protocol errors, never hang (PY hangs)")
    func protocolErrors() async {
        let nonJSON = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(ServiceResponse(status: 200, body: Array("<html>".utf8)))])
        #expect(await runScripted(nonJSON).status == .protocolError)
        let noOperation = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.assigning(operationID: nil))])
        #expect(await runScripted(noOperation).status == .protocolError)
        let noHub = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(ServiceResponse(status: 200, model: RegistrationOperationStatus(operationId: "x", status: .assigned))),
        ])
        #expect(await runScripted(noHub).status == .protocolError)
    }
}
