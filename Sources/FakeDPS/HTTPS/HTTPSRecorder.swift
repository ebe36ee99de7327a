import DPSCore
import Foundation
import Logging
import NIOHTTP1
import X509

/// Writes one connection's HTTPS traffic into the run's transcript (transport `.https`) and the
/// log as typed events: each request becomes an `HTTPRequestRecord` with its DPS route, each
/// response an `HTTPResponseRecord`, both with their `DPSExchange`. Secrets are redacted where the
/// records are made (`Authorization` keeps a SAS token without its signature).
struct HTTPSRecorder: Sendable {
    let transcript: Transcript
    let clock: any DPSClock
    let connection: String
    let logger: Logger

    /// The pairing ID of the `number`-th request on this connection: HTTP/1.1 answers in request
    /// order, so it stands in for MQTT's `$rid`.
    func requestID(_ number: Int) -> String { "\(connection)/\(number)" }

    /// Records a request; `number` counts the requests of this connection from 1; `resolved` is
    /// the route the front end already resolved from its method and target, if it did.
    func request(_ message: HTTPRequestMessage, number: Int, resolved: Result<DPSRoute, DPSRouteError>? = nil) {
        append(requestEvent(message.head, body: message.body, bodySize: message.body.count, number: number, resolved: resolved))
    }

    /// A request refused at its head because its body is too large; the body is not kept.
    func oversizedRequest(_ head: HTTPRequestHead, size: Int, number: Int) {
        append(requestEvent(head, body: [], bodySize: size, number: number))
    }

    func response(_ reply: HTTPSReply, head: HTTPResponseHead, answering kind: DeviceRequestKind?, number: Int) {
        let headers = head.headers.map { (name: $0.name, value: $0.value) }
        let record = HTTPResponseRecord(status: Int(head.status.code), reason: head.status.reasonPhrase, headers: headers, body: reply.body,
                                        textLimit: transcript.payloadTextLimit)
        let exchange = DPSExchange.response(to: kind, requestID: requestID(number), status: Int(head.status.code),
                                            retryAfter: head.headers.first(name: "retry-after"), body: reply.body)
        let raw = keepsRaw(bodySize: reply.body.count)
            ? Self.text(startLine: "\(head.version) \(head.status.code) \(head.status.reasonPhrase)", headers: record.headers, body: reply.body) : []
        append(WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .toDevice,
                         content: .httpResponse(record), exchange: exchange, raw: raw))
    }

    /// One log line per exchange the service answered (`serve` prints these), in the MQTT front
    /// end's format.
    func exchange(_ request: DeviceRequest, _ response: ServiceResponse) {
        let retry = response.retryAfter.map { " retry-after=\($0)" } ?? ""
        let operation = request.operationID.map { " operation=\($0)" } ?? ""
        logger.info("\(connection) \(request.identity.registrationID) \(request.kind.rawValue)\(operation) -> \(response.status)\(retry)")
    }

    /// A request the front end refused itself, noted and logged in the exchange line's format.
    func refused(_ refusal: HTTPSRefusal, method: String, target: String) {
        logger.info("\(connection) \(method) \(Redaction.text(target)) -> \(refusal.status) (\(refusal.reason))")
        append(WireEvent.note(.refused(status: refusal.status, requirement: refusal.requirement, reason: refusal.reason),
                              time: clock.now(), connection: connection, transport: .https))
    }

    /// What the device presented in the TLS handshake, once per connection (public data).
    func clientCertificates(_ chain: [[UInt8]]) {
        guard !chain.isEmpty else { return }
        CertificateEvents.record(chain, connection: connection, into: transcript, at: clock.now(), logger: logger)
    }

    func note(_ note: WireNote, transport: WireEvent.Transport = .https) {
        let event = WireEvent.note(note, time: clock.now(), connection: connection, transport: transport)
        logger.info("\(connection) \(event.label) \(event.summary)")
        append(event)
    }

    private func requestEvent(_ head: HTTPRequestHead, body: [UInt8], bodySize: Int, number: Int,
                              resolved: Result<DPSRoute, DPSRouteError>? = nil) -> WireEvent {
        let headers = head.headers.map { (name: $0.name, value: $0.value) }
        let version = "\(head.version)"
        let record = HTTPRequestRecord(method: head.method.rawValue, target: head.uri, version: version, headers: headers, body: body, bodySize: bodySize,
                                       textLimit: transcript.payloadTextLimit, resolved: resolved)
        var exchange: DPSExchange?
        if let route = record.route {
            exchange = .request(route.kind, requestID: requestID(number), registrationID: route.registrationID, operationID: route.operationID)
        }
        let raw = keepsRaw(bodySize: body.count) ? Self.text(startLine: "\(record.method) \(record.target) \(version)", headers: record.headers, body: body) : []
        logger.debug("\(connection) -> \(record.method) \(record.target) (\(bodySize) bytes)")
        return WireEvent(time: clock.now(), connection: connection, transport: .https, direction: .toService,
                         content: .httpRequest(record), exchange: exchange, raw: raw)
    }

    /// Whether a message with a body of `bodySize` keeps its raw text: a bounded transcript would
    /// drop it anyway, so a large one is not built (and not scanned for signatures) at all.
    private func keepsRaw(bodySize: Int) -> Bool {
        transcript.payloadTextLimit.map { bodySize <= $0 } ?? true
    }

    private func append(_ event: WireEvent) {
        transcript.append(event)
    }

    /// An HTTP/1.1 message as text, from the already-redacted header records.
    static func text(startLine: String, headers: [HTTPFieldRecord], body: [UInt8]) -> [UInt8] {
        var text = startLine + "\r\n"
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + Redaction.bytes(body)
    }
}
