import DPSCore
import Foundation
import Logging
import NIOHTTP1
import X509

/// Writes one connection's HTTPS traffic into the run's transcript (transport `.https`) and the
/// log, secrets removed: the `sig=` of an `Authorization` SAS token (and of any token in a body)
/// is replaced before anything is recorded. Requests and responses are recorded as HTTP/1.1 text
/// re-serialised from the decoded message (header names, case and order as received).
struct HTTPSRecorder: Sendable {
    let transcript: Transcript
    let clock: any DPSClock
    let connection: String
    let logger: Logger

    func request(_ message: HTTPRequestMessage, clientCertificates: Int) {
        let head = message.head
        let authorization = head.headers.first(name: "authorization").map(Self.redactedAuthorization)
        let credentials = (authorization.map { "Authorization: \($0)" } ?? "no Authorization")
            + (clientCertificates > 0 ? ", client certificate chain of \(clientCertificates)" : "")
        let summary = "\(head.method.rawValue) \(head.uri) (\(message.body.count) bytes) \(credentials)"
        let raw = Self.text(startLine: "\(head.method.rawValue) \(head.uri) \(head.version)", headers: head.headers, body: message.body)
        let body = message.body.isEmpty ? nil : String(decoding: Self.redacted(message.body), as: UTF8.self)
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .toService,
                         kind: head.method.rawValue, summary: summary, topic: head.uri, payload: body, raw: raw))
        logger.debug("\(connection) -> \(summary)")
    }

    /// A request refused at its head because its body is too large; the body is not kept.
    func oversizedRequest(_ head: HTTPRequestHead, size: Int) {
        let summary = "\(head.method.rawValue) \(head.uri) (\(size) bytes, over the limit; body discarded)"
        let raw = Self.text(startLine: "\(head.method.rawValue) \(head.uri) \(head.version)", headers: head.headers, body: [])
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .toService,
                         kind: head.method.rawValue, summary: summary, topic: head.uri, raw: raw))
    }

    func response(_ reply: HTTPSReply, head: HTTPResponseHead, to target: String) {
        let retry = head.headers.first(name: "retry-after").map { " retry-after=\($0)" } ?? ""
        let code = head.headers.first(name: "x-ms-error-code").map { " x-ms-error-code=\($0)" } ?? ""
        let summary = "\(head.status.code) \(head.status.reasonPhrase)\(retry)\(code) (\(reply.body.count) bytes)"
        let raw = Self.text(startLine: "\(head.version) \(head.status.code) \(head.status.reasonPhrase)", headers: head.headers, body: reply.body)
        let body = reply.body.isEmpty ? nil : String(decoding: Self.redacted(reply.body), as: UTF8.self)
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .toDevice,
                         kind: "RESPONSE", summary: summary, topic: target, status: Int(head.status.code), payload: body, raw: raw))
        logger.debug("\(connection) <- \(summary)")
    }

    /// One log line per exchange the service answered (`serve` prints these), in the MQTT front
    /// end's format.
    func exchange(_ request: DeviceRequest, _ response: ServiceResponse) {
        let retry = response.retryAfter.map { " retry-after=\($0)" } ?? ""
        let operation = request.operationID.map { " operation=\($0)" } ?? ""
        logger.info("\(connection) \(request.identity.registrationID) \(request.kind.rawValue)\(operation) -> \(response.status)\(retry)")
    }

    /// One log line for a request the front end refused itself.
    func refused(_ method: String, _ target: String, _ refusal: HTTPSRefusal) {
        logger.info("\(connection) \(method) \(Redaction.sasSignatures(in: target)) -> \(refusal.status) \(refusal.code.rawValue)")
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .local,
                         kind: "REFUSE", summary: refusal.description, topic: target, status: refusal.status))
    }

    /// What the device presented in the TLS handshake, once per connection: the number of
    /// certificates and the leaf's subject (public data; the key never leaves the device).
    func clientCertificates(_ chain: [[UInt8]]) {
        guard let leaf = chain.first else { return }
        let subject = (try? Certificate(derEncoded: leaf)).map { $0.subject.description } ?? "unparsable certificate"
        note("TLS", "client certificate chain of \(chain.count), leaf subject \(subject)")
        CertificateEvents.record(chain, connection: connection, into: transcript, at: clock.now())
    }

    func note(_ kind: String, _ text: String) {
        logger.info("\(connection) \(kind) \(text)")
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .local, kind: kind, summary: text))
    }

    private func append(_ event: WireEvent) {
        transcript.append(event)
    }

    /// An HTTP/1.1 message as text, the `Authorization` value redacted.
    static func text(startLine: String, headers: HTTPHeaders, body: [UInt8]) -> [UInt8] {
        var text = startLine + "\r\n"
        for (name, value) in headers {
            let shown = name.lowercased() == "authorization" ? redactedAuthorization(value) : value
            text += "\(name): \(shown)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + redacted(body)
    }

    /// A SAS token keeps everything but its signature; any other credential is removed whole.
    static func redactedAuthorization(_ value: String) -> String {
        value.contains("sig=") ? Redaction.sasSignatures(in: value) : "REDACTED (\(value.utf8.count) characters)"
    }

    /// `body` with SAS signatures replaced; bytes without a `sig=` are kept exactly.
    static func redacted(_ body: [UInt8]) -> [UInt8] {
        let marker = Array("sig=".utf8)
        guard body.count >= marker.count, (0...(body.count - marker.count)).contains(where: { body[$0..<$0 + marker.count].elementsEqual(marker) }) else {
            return body
        }
        return Array(Redaction.sasSignatures(in: String(decoding: body, as: UTF8.self)).utf8)
    }
}
