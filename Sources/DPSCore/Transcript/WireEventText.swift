import Foundation

/// Readable text for reports and logs, built from the typed content. Display only: checks read
/// the typed fields, never this text.
extension WireEvent {
    /// A short label: the packet type, the HTTP method, `RESPONSE`, `CERTIFICATE` or the note's kind.
    public var label: String {
        switch content {
        case .mqtt(let packet): packet.kind.rawValue
        case .httpRequest(let request): request.method
        case .httpResponse: "RESPONSE"
        case .certificate: "CERTIFICATE"
        case .note(let note): note.label
        }
    }

    /// One readable line.
    public var summary: String {
        switch content {
        case .mqtt(let packet): packet.summary
        case .httpRequest(let request):
            "\(request.method) \(request.target) (\(request.bodySize) bytes)" + (request.header("authorization").map { " Authorization: \($0)" } ?? "")
        case .httpResponse(let response):
            "\(response.status) \(response.reason)" + (response.header("retry-after").map { " retry-after=\($0)" } ?? "")
                + (response.header("x-ms-error-code").map { " x-ms-error-code=\($0)" } ?? "") + " (\(response.bodySize) bytes)"
        case .certificate(let certificate):
            "certificate \(certificate.index) CN=\(certificate.subjectCommonName ?? "unparsed") sha256=\(certificate.sha256)"
        case .note(let note): note.summary
        }
    }

    /// The MQTT topic or HTTP target, for display.
    public var target: String? {
        switch content {
        case .mqtt(.publish(let publish)): publish.topic
        case .mqtt(.connect(let connect)): connect.username
        case .httpRequest(let request): request.target
        default: nil
        }
    }

    /// The payload or body text, for display.
    public var payloadText: String? {
        switch content {
        case .mqtt(.publish(let publish)): publish.payload?.text
        case .httpRequest(let request): request.body?.text
        case .httpResponse(let response): response.body?.text
        default: nil
        }
    }

    /// A response status or CONNACK return code, for display.
    public var status: Int? {
        switch content {
        case .mqtt(.connAck(let code, _)): code
        case .httpResponse(let response): response.status
        case .note(.refused(let status, _, _)): status
        default: exchange?.status
        }
    }
}

extension MQTTPacketRecord {
    var summary: String {
        switch self {
        case .connect(let connect):
            "CONNECT clientId=\(connect.clientID) username=\(connect.username ?? "-") "
                + (connect.password.map { "password \($0.text)" } ?? "no password")
                + " cleanSession=\(connect.cleanSession ? 1 : 0) keepAlive=\(connect.keepAliveSeconds)"
        case .connAck(let code, let present): "CONNACK rc=\(code) sessionPresent=\(present ? 1 : 0)"
        case .publish(let publish):
            "PUBLISH qos=\(publish.qos)" + (publish.packetID.map { " id=\($0)" } ?? "") + (publish.duplicate ? " dup" : "")
                + " \(publish.topic) (\(publish.payloadSize) bytes)"
        case .pubAck(let id): "PUBACK id=\(id)"
        case .subscribe(let id, let filters): "SUBSCRIBE id=\(id) " + filters.map { "\($0.filter) qos=\($0.qos)" }.joined(separator: ", ")
        case .subAck(let id, let codes): "SUBACK id=\(id) " + codes.map { String(format: "0x%02x", $0) }.joined(separator: ",")
        case .unsubscribe(let id, let filters): "UNSUBSCRIBE id=\(id) " + filters.joined(separator: ",")
        case .unsubAck(let id): "UNSUBACK id=\(id)"
        case .pingReq, .pingResp, .disconnect: kind.rawValue
        case .qos2Flow(let kind, let id): "\(kind.rawValue) id=\(id)"
        }
    }
}

extension WireNote {
    var label: String {
        switch self {
        case .closed: "CLOSE"
        case .refused: "REFUSE"
        case .attestationRefused: "AUTH"
        case .malformed: "MALFORMED"
        case .fault: "FAULT"
        case .undelivered: "DROP"
        case .routed: "ROUTE"
        case .timedOut: "TIMEOUT"
        case .abandoned: "ABANDON"
        case .info: "INFO"
        }
    }

    var summary: String {
        let tag = requirement.map { " [\($0)]" } ?? ""
        switch self {
        case .closed(let cause): return "closed: \(cause.summary)"
        case .refused(let status, _, let reason): return "refused with \(status): \(reason)\(tag)"
        case .attestationRefused(_, let reason): return "attestation refused: \(reason)\(tag)"
        case .malformed(_, let reason): return "malformed: \(reason)\(tag)"
        case .fault(let fault): return "fault plan: \(fault.summary)"
        case .undelivered(let status, _): return "response \(status) not delivered: no subscription to \(DPSTopic.responseFilter)\(tag)"
        case .routed(let status, let connection): return "response \(status) delivered on the device's subscribed connection \(connection ?? "")"
        case .timedOut(let rid, let reason): return "timed out" + (rid.map { " waiting for $rid \($0)" } ?? "") + ": \(reason)"
        case .abandoned: return "left without DISCONNECT; the session stays open"
        case .info(let text): return text
        }
    }
}

extension CloseCause {
    var summary: String {
        switch self {
        case .deviceDisconnected: "device sent DISCONNECT"
        case .peerClosed: "connection closed by the peer"
        case .violation(let requirement, let reason): "\(reason) [\(requirement)]"
        case .fault(let reason): "fault plan: \(reason)"
        case .deadline(let phase, let seconds): "\(phase) not done within \(seconds) s"
        case .overloaded(let limit): "the service is at its limit of \(limit) connections"
        case .error(let text): "error: \(text)"
        case .byDevice: "closed by the device"
        case .byService: "closed by the service"
        }
    }
}

extension FaultNote {
    var summary: String {
        switch self {
        case .acknowledgementWithheld(let kind): "\(kind.rawValue) withheld"
        case .responseWithheld(let status): "response \(status) withheld"
        case .responseDelayed(let seconds): "answer delayed by \(seconds) s"
        case .responseModified(let what): "response modified: \(what)"
        case .responseOverridden(let status): "response replaced by \(status)"
        case .connectionRefused(let code): "connection refused with CONNACK \(code)"
        case .subscriptionRefused: "subscription refused"
        case .connectionDropped(let when): "connection dropped \(when)"
        case .notApplicable(let what): "\(what) has no counterpart here; answered normally"
        }
    }
}
