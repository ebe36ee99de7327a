import DPSCore
import Foundation

/// Register / poll / assign behaviour (Microsoft Learn iot-dps-mqtt-support and
/// iot-dps-https-sym-key-support: registration flow, polling, retry-after).
enum FlowChecks {
    static let all: [any ConformanceCheck] = [freshRequestIDs, pollsUseOperationID, honoursRetryAfter, stopsAfterPermanentError,
                                              stopsAfterTerminalStatus, reusesOperationID, retriesTransientErrors, keepsDeadline]

    /// DPS-FLOW-RID-001: every new request carries a `$rid` not used before (re-sends marked DUP may repeat it).
    static let freshRequestIDs = TranscriptCheck(.dpsFlowRid001, on: [.mqtt]) { context in
        let requests = context.view.requests.filter { !$0.duplicate && $0.event.transport == .mqtt }
        guard !requests.isEmpty else { return .skip("no MQTT request ($rid exists only on MQTT)") }
        var seen: [String: Int] = [:]
        for request in requests {
            if let first = seen[request.requestID] {
                return .fail(["a new $rid for every request"], "$rid '\(request.requestID)' reused", [first, request.event.sequence])
            }
            seen[request.requestID] = request.event.sequence
        }
        return .pass(["a new $rid for every request"], "\(requests.count) requests, \(seen.count) distinct $rid values")
    }

    /// DPS-FLOW-POLL-001: polls name the operationId the service returned for the registration.
    static let pollsUseOperationID = TranscriptCheck(.dpsFlowPoll001) { context in
        // After a 202 `assigning`, the next request polls that operation (re-registering or
        // stopping instead is the fault).
        for response in context.view.responses where response.state == .assigning {
            guard let operation = response.operationID, !operation.isEmpty else { continue }
            guard let next = context.view.request(after: response.event) else {
                if context.outcome.status == .timedOut { continue }
                return .fail(["poll operationId \(operation) after 202 assigning"], "no further request; the device stopped at 'assigning'",
                             [response.event.sequence])
            }
            if next.kind != .poll {
                return .fail(["poll operationId \(operation) after 202 assigning"], "sent a \(next.kind.rawValue) request instead",
                             [response.event.sequence, next.event.sequence])
            }
        }
        let polls = context.view.requests.filter { $0.kind == .poll }
        guard !polls.isEmpty else { return .skip("the device did not poll") }
        for poll in polls {
            let given = context.view.responses.filter { $0.event.sequence < poll.event.sequence }
                .compactMap(\.operationID).filter { !$0.isEmpty }
            guard let latest = given.last else {
                return .fail(["poll only after an operationId was given"], "poll before any operationId", [poll.event.sequence])
            }
            if poll.operationID != latest {
                return .fail(["operationId \(latest)"], "poll for operationId \(poll.operationID ?? "none")", [poll.event.sequence])
            }
        }
        return .pass(["polls use the service's operationId"], "\(polls.count) poll(s) used it")
    }

    /// DPS-FLOW-RETRY-001: after a response with `retry-after: N`, the next request comes N s or later.
    static let honoursRetryAfter = TranscriptCheck(.dpsFlowRetry001) { context in
        var checked = 0
        for response in context.view.responses {
            guard let text = response.retryAfter, let seconds = RetryAfter.seconds(text),
                  let next = context.view.request(after: response.event) else { continue }
            checked += 1
            let waited = next.event.time.timeIntervalSince(response.event.time)
            if waited + context.timingTolerance < Double(seconds) {
                return .fail(["next request \(seconds) s or more after the response"],
                             String(format: "next request after %.3f s", waited), [response.event.sequence, next.event.sequence])
            }
        }
        return checked == 0 ? .skip("no request followed a response with retry-after")
            : .pass(["waits at least retry-after"], "\(checked) wait(s) honoured")
    }

    /// DPS-FLOW-ERR-001: after a permanent error (4xx other than 429) to a register or poll the
    /// device sends no more requests. A status lookup's error is not the registration's end: a
    /// device told 404 (not registered yet) goes on to register.
    static let stopsAfterPermanentError = TranscriptCheck(.dpsFlowErr001) { context in
        guard let error = context.view.responses.first(where: {
            (400..<500).contains($0.status) && $0.status != 429 && $0.exchange.kind != .statusLookup
        }) else {
            return .skip("the service sent no permanent error")
        }
        if let next = context.view.request(after: error.event) {
            return .fail(["no further request after \(error.status)"], "\(next.kind.rawValue) request after \(error.status)", [error.event.sequence, next.event.sequence])
        }
        return .pass(["no further request after \(error.status)"], "the device stopped", [error.event.sequence])
    }

    /// DPS-FLOW-TERM-001: after a terminal status (assigned, failed, disabled) the device stops polling.
    static let stopsAfterTerminalStatus = TranscriptCheck(.dpsFlowTerm001) { context in
        guard let terminal = context.view.responses.first(where: { $0.state?.isTerminal ?? false }) else {
            return .skip("the service sent no terminal status")
        }
        let status = terminal.state?.rawValue ?? "?"
        if let next = context.view.request(after: terminal.event) {
            return .fail(["no request after status \(status)"], "\(next.kind.rawValue) request after \(status)", [terminal.event.sequence, next.event.sequence])
        }
        return .pass(["no request after status \(status)"], "the device stopped at \(status)", [terminal.event.sequence])
    }

    /// DPS-FLOW-OPID-001: after a retriable error (429, 5xx) to a poll, the device polls the same
    /// operation again, or registers anew, even when the error body carries no operationId.
    static let reusesOperationID = TranscriptCheck(.dpsFlowOpid001) { context in
        let view = context.view
        var checked = 0
        for response in view.responses where response.status == 429 || response.status >= 500 {
            guard let asked = view.requests.last(where: { $0.requestID == response.requestID && $0.event.sequence < response.event.sequence }),
                  asked.kind == .poll, let next = view.request(after: response.event) else { continue }
            checked += 1
            if next.kind == .poll, next.operationID != asked.operationID {
                return .fail(["poll operationId \(asked.operationID ?? "?") again, or register anew"],
                             "polled operationId \(next.operationID ?? "none")", [response.event.sequence, next.event.sequence])
            }
        }
        return checked == 0 ? .skip("no retriable error answered a poll") : .pass(["the cached operation is polled again"], "\(checked) retry(ies) kept it")
    }

    /// DPS-FLOW-TRANSIENT-001: 429 and 5xx are transient; the device retries instead of giving up
    /// (within its deadline).
    static let retriesTransientErrors = TranscriptCheck(.dpsFlowTransient001) { context in
        let transient = context.view.responses.filter { $0.status == 429 || $0.status >= 500 }
        guard !transient.isEmpty else { return .skip("the service sent no 429 or 5xx") }
        for response in transient where context.view.request(after: response.event) == nil && context.outcome.status != .timedOut {
            return .fail(["another request after \(response.status)"], "the device gave up after \(response.status) (\(context.outcome.status.rawValue))",
                         [response.event.sequence])
        }
        return .pass(["another request after each 429/5xx"], "\(transient.count) transient error(s) retried")
    }

    /// DPS-FLOW-DEADLINE-001: the device stops within its overall deadline (clock time from its
    /// first request to its last).
    static let keepsDeadline = TranscriptCheck(.dpsFlowDeadline001) { context in
        guard let first = context.view.requests.first, let last = context.view.requests.last else { return .skip("the device sent no request") }
        let deadline = context.scenario.device.deadline.seconds
        let span = last.event.time.timeIntervalSince(first.event.time)
        let expected = [String(format: "no request later than %.0f s after the first", deadline)]
        return span <= deadline + context.timingTolerance ? .pass(expected, String(format: "last request at %.1f s", span))
            : .fail(expected, String(format: "still requesting at %.1f s", span), [last.event.sequence])
    }
}
