import DPSCore
import Foundation
import Logging
import MQTTWire
import Synchronization

/// Facts about one accepted connection shared between its TLS and MQTT handlers.
final class ConnectionInfo: Sendable {
    let id: String
    private let certificates = Mutex<[[UInt8]]>([])

    init(id: String) {
        self.id = id
    }

    /// Called by the TLS layer with what the device presented.
    func recordPeerCertificates(_ chain: [[UInt8]]) {
        certificates.withLock { $0 = chain }
    }

    func peerCertificates() -> [[UInt8]] {
        certificates.withLock { $0 }
    }
}

/// Writes one connection's MQTT traffic into the run's transcript and the log, secrets removed:
/// CONNECT passwords are replaced before anything is recorded.
struct WireRecorder: Sendable {
    let transcript: Transcript
    let clock: any DPSClock
    let connection: String
    let logger: Logger

    func inbound(_ packet: MQTTPacket, raw: [UInt8]) {
        record(packet, raw: raw, direction: .toService)
    }

    func outbound(_ packet: MQTTPacket, raw: [UInt8]) {
        record(packet, raw: raw, direction: .toDevice)
    }

    func malformed(_ malformed: MalformedPacket) {
        transcript.append(WireEvent(time: clock.now(), connection: connection, transport: .mqtt, direction: .toService,
                                    kind: "MALFORMED", summary: "\(malformed.error.code.rawValue): \(malformed.error.reason) [\(malformed.error.requirementID)]",
                                    raw: malformed.leadingBytes))
    }

    /// One log line per request/response exchange (`serve` prints these).
    func exchange(_ request: DeviceRequest, _ response: ServiceResponse) {
        let retry = response.retryAfter.map { " retry-after=\($0)" } ?? ""
        let operation = request.operationID.map { " operation=\($0)" } ?? ""
        logger.info("\(connection) \(request.identity.registrationID) \(request.kind.rawValue)\(operation) -> \(response.status)\(retry)")
    }

    func log(_ text: String) {
        logger.info("\(connection) \(text)")
    }

    /// The client certificate chain of the TLS handshake, one event per certificate (public data).
    func presentedCertificates(_ chain: [[UInt8]]) {
        CertificateEvents.record(chain, connection: connection, into: transcript, at: clock.now())
    }

    func note(_ kind: String, _ text: String) {
        logger.info("\(connection) \(kind) \(text)")
        transcript.append(WireEvent(time: clock.now(), connection: connection, transport: .mqtt, direction: .local, kind: kind, summary: text))
    }

    private func record(_ packet: MQTTPacket, raw: [UInt8], direction: WireEvent.Direction) {
        var event = WireEvent(time: clock.now(), connection: connection, transport: .mqtt, direction: direction,
                              kind: packet.packetType.name, summary: Self.summary(of: packet), raw: raw)
        switch packet {
        case .connect(var connect):
            if connect.password != nil {
                connect.password = Array("REDACTED".utf8)
                event.raw = Data((try? MQTTPacket.connect(connect).encode()) ?? [])
            }
            event.topic = connect.userName
        case .publish(let publish):
            event.topic = publish.topicName
            event.payload = Redaction.sasSignatures(in: String(decoding: publish.payload, as: UTF8.self))
            if let status = try? ResponseTopic(parsing: publish.topicName).status { event.status = status }
        case .connAck(let ack):
            event.status = Int(ack.returnCode.rawValue)
        default:
            break
        }
        logger.debug("\(connection) \(direction == .toService ? "->" : "<-") \(event.summary)")
        transcript.append(event)
    }

    static func summary(of packet: MQTTPacket) -> String {
        switch packet {
        case .connect(let connect):
            let password = connect.password == nil ? "no password" : "password REDACTED"
            return "CONNECT clientId=\(connect.clientIdentifier) username=\(connect.userName ?? "-") \(password) cleanSession=\(connect.cleanSession ? 1 : 0) keepAlive=\(connect.keepAliveSeconds)"
        case .connAck(let ack):
            return "CONNACK rc=\(ack.returnCode.rawValue) sessionPresent=\(ack.sessionPresent ? 1 : 0)"
        case .publish(let publish):
            let id = publish.packetIdentifier.map { " id=\($0)" } ?? ""
            return "PUBLISH qos=\(publish.qos.rawValue)\(id)\(publish.dup ? " dup" : "") \(publish.topicName) (\(publish.payload.count) bytes)"
        case .subscribe(let subscribe):
            return "SUBSCRIBE id=\(subscribe.packetIdentifier) " + subscribe.subscriptions.map { "\($0.topicFilter) qos=\($0.requestedQoS.rawValue)" }.joined(separator: ", ")
        case .subAck(let ack):
            return "SUBACK id=\(ack.packetIdentifier) " + ack.returnCodes.map { String(format: "0x%02x", $0.rawValue) }.joined(separator: ",")
        case .pubAck(let id): return "PUBACK id=\(id)"
        case .unsubscribe(let unsubscribe): return "UNSUBSCRIBE id=\(unsubscribe.packetIdentifier) \(unsubscribe.topicFilters.joined(separator: ","))"
        default: return packet.packetType.name
        }
    }
}

/// Client certificates as transcript events: one `CERTIFICATE` event per certificate of the chain
/// a device presented (leaf first), with its DER as the raw bytes. Certificates are public data;
/// DICE checks read them from here.
enum CertificateEvents {
    static func record(_ chain: [[UInt8]], connection: String, into transcript: Transcript, at time: Date) {
        for (index, der) in chain.enumerated() {
            let subject = (try? PresentedChain(der: [der])).flatMap { CertificateFacts.commonName($0.leaf.subject) } ?? "unparsed"
            transcript.append(WireEvent(time: time, connection: connection, transport: .tls, direction: .toService, kind: "CERTIFICATE",
                                        summary: "certificate \(index) CN=\(subject) sha256=\(CertificateFacts.sha256Thumbprint(der))", raw: der))
        }
    }
}
