import DPSCore
import Foundation

/// Register / poll / assign behaviour (dps-protocol.md §2.4-2.9, §7).
enum FlowChecks {
    /// DPS-FLOW-RID-001: every new request carries a `$rid` not used before (re-sends marked DUP may repeat it).
    static let freshRequestIDs: CheckLibrary.Check = { context in
        let requests = context.view.requests.filter { !$0.dup }
        guard !requests.isEmpty else { return .skip("the device sent no request") }
        var seen: [String: Int] = [:]
        for request in requests {
            if let first = seen[request.rawRequestID] {
                return .fail(["a new $rid for every request"], "$rid '\(request.rawRequestID)' reused", [first, request.event.sequence])
            }
            seen[request.rawRequestID] = request.event.sequence
        }
        return .pass(["a new $rid for every request"], "\(requests.count) requests, \(seen.count) distinct $rid values")
    }

    /// DPS-FLOW-POLL-001: polls name the operationId the service returned for the registration.
    static let pollsUseOperationID: CheckLibrary.Check = { context in
        let polls = context.view.requests.filter { $0.kind == .poll }
        guard !polls.isEmpty else { return .skip("the device did not poll") }
        for poll in polls {
            let given = context.view.responses.filter { $0.event.sequence < poll.event.sequence }
                .compactMap { $0.operation?.operationId }.filter { !$0.isEmpty }
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
    static let honoursRetryAfter: CheckLibrary.Check = { context in
        var checked = 0
        for response in context.view.responses {
            guard let text = response.retryAfter, let seconds = RetryAfter.seconds(text),
                  let next = context.view.request(after: response.event) else { continue }
            checked += 1
            let waited = next.event.time.timeIntervalSince(response.event.time)
            if waited + 0.001 < Double(seconds) {
                return .fail(["next request \(seconds) s or more after the response"],
                             String(format: "next request after %.3f s", waited), [response.event.sequence, next.event.sequence])
            }
        }
        return checked == 0 ? .skip("no request followed a response with retry-after")
            : .pass(["waits at least retry-after"], "\(checked) wait(s) honoured")
    }

    /// DPS-FLOW-ERR-001: after a permanent error (4xx other than 429) the device sends no more requests.
    static let stopsAfterPermanentError: CheckLibrary.Check = { context in
        guard let error = context.view.responses.first(where: { (400..<500).contains($0.status) && $0.status != 429 }) else {
            return .skip("the service sent no permanent error")
        }
        if let next = context.view.request(after: error.event) {
            return .fail(["no further request after \(error.status)"], "\(next.kind.rawValue) request after \(error.status)", [error.event.sequence, next.event.sequence])
        }
        return .pass(["no further request after \(error.status)"], "the device stopped", [error.event.sequence])
    }

    /// DPS-FLOW-TERM-001: after a terminal status (assigned, failed, disabled) the device stops polling.
    static let stopsAfterTerminalStatus: CheckLibrary.Check = { context in
        guard let terminal = context.view.responses.first(where: { $0.operation?.status?.isTerminal ?? false }) else {
            return .skip("the service sent no terminal status")
        }
        let status = terminal.operation?.status?.rawValue ?? "?"
        if let next = context.view.request(after: terminal.event) {
            return .fail(["no request after status \(status)"], "\(next.kind.rawValue) request after \(status)", [terminal.event.sequence, next.event.sequence])
        }
        return .pass(["no request after status \(status)"], "the device stopped at \(status)", [terminal.event.sequence])
    }

    /// DPS-FLOW-OPID-001: after a retriable error (429, 5xx) to a poll, the device polls the same
    /// operation again, or registers anew, even when the error body carries no operationId.
    static let reusesOperationID: CheckLibrary.Check = { context in
        let view = context.view
        var checked = 0
        for response in view.responses where response.status == 429 || response.status >= 500 {
            guard let asked = view.requests.last(where: { $0.rawRequestID == response.rawRequestID && $0.event.sequence < response.event.sequence }),
                  asked.kind == .poll, let next = view.request(after: response.event) else { continue }
            checked += 1
            if next.kind == .poll, next.operationID != asked.operationID {
                return .fail(["poll operationId \(asked.operationID ?? "?") again, or register anew"],
                             "polled operationId \(next.operationID ?? "none")", [response.event.sequence, next.event.sequence])
            }
        }
        return checked == 0 ? .skip("no retriable error answered a poll") : .pass(["the cached operation is polled again"], "\(checked) retry(ies) kept it")
    }
}
