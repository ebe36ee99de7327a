import DPSCore
import Device
import Foundation

/// The register body, back-off, reconnection and opaque-etag rules (Microsoft Learn
/// iot-dps-mqtt-support, how-to-troubleshoot-dps, concepts-deploy-at-scale; DPS OpenAPI description).
enum RetryChecks {
    static let all: [any ConformanceCheck] = [registerBody, backsOff, cSDKRetryAfter, opaqueEtag, reconnects]

    /// DPS-FLOW-REG-001: the register body is a JSON DeviceRegistration naming the device.
    static let registerBody = TranscriptCheck(.dpsFlowReg001) { context in
        let bodies = context.view.registerBodies
        guard !bodies.isEmpty else { return .skip("the device sent no register request") }
        let id = context.scenario.device.registrationID
        let expected = ["a JSON DeviceRegistration with registrationId \(id)"]
        for (event, body) in bodies where !body.truncated {
            guard let registration = try? JSONText.decode(DeviceRegistration.self, from: body.bytes, what: "register body") else {
                return .fail(expected, "register body '\(body.text.prefix(80))' is not a DeviceRegistration object", [event.sequence])
            }
            guard registration.registrationId == id else {
                return .fail(expected, "registrationId '\(registration.registrationId ?? "none")'", [event.sequence])
            }
        }
        return .pass(expected, "\(bodies.count) register body(ies)", bodies.map(\.event.sequence))
    }

    /// The waits that followed 429 and 5xx responses carrying no retry-after, run by run (a run
    /// ends at any other response).
    static func backOffRuns(_ view: TranscriptView) -> [[(response: TranscriptView.Response, waited: Double, next: TranscriptView.Request)]] {
        var runs: [[(TranscriptView.Response, Double, TranscriptView.Request)]] = []
        var current: [(TranscriptView.Response, Double, TranscriptView.Request)] = []
        for response in view.responses {
            let transient = response.status == 429 || response.status >= 500
            guard transient, response.retryAfter == nil, let next = view.request(after: response.event) else {
                if !current.isEmpty { runs.append(current) }
                current = []
                continue
            }
            current.append((response, next.event.time.timeIntervalSince(response.event.time), next))
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// DPS-FLOW-RETRY-002: without retry-after, the device backs off after 429 and 5xx: it waits,
    /// and over consecutive failures its waits grow.
    static let backsOff = TranscriptCheck(.dpsFlowRetry002) { context in
        let runs = backOffRuns(context.view)
        guard !runs.isEmpty else { return .skip("no 429 or 5xx without retry-after was followed by a retry") }
        let expected = ["a wait before each retry, growing over consecutive failures"]
        for run in runs {
            if let immediate = run.first(where: { $0.waited < 0.05 }) {
                return .fail(expected, String(format: "retried %.3f s after %d", immediate.waited, immediate.response.status),
                             [immediate.response.event.sequence, immediate.next.event.sequence])
            }
            // Growth beyond the clock's timing tolerance: a flat wait measured a fraction of a
            // millisecond longer on the real clock is not a back-off.
            if run.count >= 3, let first = run.first, let last = run.last, last.waited <= first.waited + context.timingTolerance {
                let waits = run.map { String(format: "%.3f", $0.waited) }.joined(separator: ", ")
                return .fail(expected, "waits did not grow over \(run.count) failures: \(waits) s", run.map(\.next.event.sequence))
            }
        }
        return .pass(expected, "\(runs.map(\.count).reduce(0, +)) back-off(s) in \(runs.count) run(s)")
    }

    /// DPS-FLOW-RETRY-003 (MAY, known client behaviour): after a retry-after above 300 s the
    /// device did not wait only the 1 s the Azure IoT C SDK reads for it.
    static let cSDKRetryAfter = TranscriptCheck(.dpsFlowRetry003) { context in
        let view = context.view
        let large = view.responses.filter { response in response.retryAfter.flatMap(RetryAfter.seconds).map { $0 > 300 } ?? false }
        guard !large.isEmpty else { return .skip("no retry-after above 300 s") }
        let expected = ["a wait of the service's retry-after, not the C SDK's 1 s reading of a value above 300 s"]
        for response in large {
            guard let next = view.request(after: response.event), let text = response.retryAfter else { continue }
            let waited = next.event.time.timeIntervalSince(response.event.time)
            let cReading = Double(RetryAfter.cSDKInterpretation(text))
            if waited < Double(RetryAfter.seconds(text) ?? 0), waited <= cReading + 0.5 {
                return .fail(expected, String(format: "retry-after %@ read as %.0f s: next request after %.3f s", text, cReading, waited),
                             [response.event.sequence, next.event.sequence])
            }
        }
        return .pass(expected, "\(large.count) large retry-after value(s) read as sent")
    }

    /// DPS-FLOW-ETAG-001 (MAY): the etag is opaque: the device takes an assignment whatever form
    /// its etag has.
    static let opaqueEtag = TranscriptCheck(.dpsFlowEtag001) { context in
        guard let assigned = context.view.responses.first(where: { $0.state == .assigned && $0.exchange.etag != nil }) else {
            return .skip("no assignment with an etag")
        }
        let expected = ["the device ends assigned whatever the etag's form"]
        let etag = assigned.exchange.etag ?? ""
        guard let claim = context.deviceReport else { return .skip("the device gave no report of its outcome to read") }
        if claim.status != ProvisioningOutcome.Status.assigned.rawValue {
            return .fail(expected, "etag '\(etag)': the device reported \(claim.status ?? "no status")", [assigned.event.sequence])
        }
        return .pass(expected, "etag '\(etag)' taken as it is", [assigned.event.sequence])
    }

    /// DPS-FLOW-RECONNECT-001: after the service dropped the connection or withheld an answer,
    /// the device tries again (a request on a new connection, or with a new `$rid`) within its
    /// deadline, unless it reached a final answer first.
    static let reconnects = TranscriptCheck(.dpsFlowReconnect001) { context in
        let view = context.view
        let interruptions = view.notes.filter { item in
            switch item.note {
            case .closed(.fault), .fault(.responseWithheld), .fault(.connectionDropped): return true
            default: return false
            }
        }
        guard let interruption = interruptions.first else { return .skip("the service neither dropped a connection nor withheld an answer") }
        let expected = ["a new request after the drop or silence, within the deadline"]
        let before = view.requests.last { $0.event.sequence < interruption.event.sequence }
        if let retry = view.requests.first(where: { $0.event.sequence > interruption.event.sequence && $0.requestID != before?.requestID }) {
            return .pass(expected, "\(retry.kind.rawValue) request on \(retry.event.connection) after \(interruption.event.label)",
                         [interruption.event.sequence, retry.event.sequence])
        }
        return .fail(expected, "no request after \(interruption.event.summary); the device ended \(context.outcome.status.rawValue)",
                     [interruption.event.sequence])
    }
}
