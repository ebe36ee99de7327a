import DPSCore

/// What the fault plan does to one register, poll or status-lookup exchange, decided once here
/// for both front ends: whether the connection is dropped and where, whether the MQTT PUBACK is
/// sent, which response goes out (the service's own, replaced or modified), and whether it is
/// withheld or delayed. Each front end only carries it out in its own protocol.
struct RequestEnactment {
    /// Where the connection is dropped, if it is.
    enum Drop: Sendable, Hashable {
        /// Before any acknowledgement (MQTT: no PUBACK).
        case beforeAcknowledging
        /// After the PUBACK (MQTT); over HTTP, which has no acknowledgement, the same as before.
        case afterAcknowledging
    }

    let drop: Drop?
    /// Whether the MQTT PUBACK is withheld.
    let withholdsAcknowledgement: Bool
    /// Whether the answer is withheld (the request goes unanswered).
    let withholdsAnswer: Bool
    /// How long the answer waits, in the run's clock time.
    let delay: Duration?
    /// Whether `$rid` comes first in the response topic (MQTT; a modification may put it last).
    let requestIDFirst: Bool
    /// The `$rid` the answer goes out under instead of the request's (MQTT), if a modification says so.
    let requestIDOverride: String?
    /// Whether the answer is sent twice (MQTT).
    let duplicatesAnswer: Bool
    /// Whether the connection's previous answer goes out again first (MQTT).
    let previousAnswerFirst: Bool
    /// A packet of an unexpected type that goes out before the answer (MQTT).
    let packetBefore: ResponseModification.UnexpectedPacket?
    /// A fault of the connection or subscription phase, which a request exchange cannot enact
    /// (planned on `register` by mistake); noted, not enacted.
    let inapplicable: FaultAction?
    private let action: FaultAction?

    init(_ action: FaultAction?) {
        self.action = action
        switch action {
        case .dropConnection(let afterAcknowledging)?: drop = afterAcknowledging ? .afterAcknowledging : .beforeAcknowledging
        default: drop = nil
        }
        if case .withholdAcknowledgement? = action { withholdsAcknowledgement = true } else { withholdsAcknowledgement = false }
        if case .noResponse? = action { withholdsAnswer = true } else { withholdsAnswer = false }
        switch action {
        case .delay(let duration)?: delay = duration
        case .replay(_, _, _, let after)? where after > .zero: delay = after
        default: delay = nil
        }
        if case .modify(let modification)? = action {
            requestIDFirst = !modification.requestIDLast
            requestIDOverride = modification.requestID
            duplicatesAnswer = modification.duplicate
            previousAnswerFirst = modification.previousAnswerFirst
            packetBefore = modification.packetBefore
        } else {
            requestIDFirst = true
            requestIDOverride = nil
            duplicatesAnswer = false
            previousAnswerFirst = false
            packetBefore = nil
        }
        switch action {
        case .refuseConnection?, .refuseSubscription?: inapplicable = action
        default: inapplicable = nil
        }
    }

    /// The response to `request`: the service's own, or the plan's replacement or modification of
    /// it, with the note that says so.
    func response(of service: ProvisioningService, to request: DeviceRequest, attestation: AttestationOutcome) -> (ServiceResponse, FaultNote?) {
        switch action {
        case .respond(let status, let retryAfter, let errorCode, let body)?:
            return (service.faultResponse(status: status, retryAfter: retryAfter, errorCode: errorCode, body: body), .responseOverridden(status: status))
        case .replay(let status, let retryAfter, let body, _)?:
            return (service.faultResponse(status: status, retryAfter: retryAfter, errorCode: nil, body: body), .responseOverridden(status: status))
        case .modify(let modification)?:
            return (modification.apply(to: service.handle(request, attestation: attestation)), .responseModified("\(modification)"))
        default:
            return (service.handle(request, attestation: attestation), nil)
        }
    }
}

extension FaultAction {
    /// The delay of a `.delay` action.
    var delay: Duration? {
        if case .delay(let duration) = self { return duration }
        return nil
    }
}

extension ProvisioningService {
    /// The fault plan's enactment for the next exchange of `request`'s kind and device. Front ends
    /// call this once per request, before answering.
    func enactment(for request: DeviceRequest) -> RequestEnactment {
        let target: FaultTarget = switch request.kind {
        case .register: .register
        case .poll: .poll
        case .statusLookup: .statusLookup
        }
        return RequestEnactment(fault(for: target, registrationID: request.identity.registrationID))
    }
}
