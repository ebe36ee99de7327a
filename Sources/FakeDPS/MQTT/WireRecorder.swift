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

/// Writes one connection's MQTT traffic into the run's transcript and the log as typed events:
/// each packet becomes an `MQTTPacketRecord` (the password redacted where the record is made), and
/// register, poll and response PUBLISHes get their `DPSExchange` here, once.
struct WireRecorder: Sendable {
    let transcript: Transcript
    let clock: any DPSClock
    let connection: String
    let logger: Logger

    func inbound(_ packet: MQTTPacket, raw: [UInt8], registrationID: String? = nil) {
        record(packet, raw: raw, direction: .toService, registrationID: registrationID)
    }

    func outbound(_ packet: MQTTPacket, raw: [UInt8]) {
        record(packet, raw: raw, direction: .toDevice, registrationID: nil)
    }

    func malformed(_ malformed: MalformedPacket) {
        let requirement = RequirementID(mqttRule: malformed.error.requirementID)
        transcript.append(WireEvent(time: clock.now(), connection: connection, transport: .mqtt, direction: .toService,
                                    content: .note(.malformed(requirement: requirement, reason: "\(malformed.error.code.rawValue): \(malformed.error.reason)")),
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
        CertificateEvents.record(chain, connection: connection, into: transcript, at: clock.now(), logger: logger)
    }

    func note(_ note: WireNote, transport: WireEvent.Transport = .mqtt) {
        let event = WireEvent.note(note, time: clock.now(), connection: connection, transport: transport)
        logger.info("\(connection) \(event.label) \(event.summary)")
        transcript.append(event)
    }

    private func record(_ packet: MQTTPacket, raw: [UInt8], direction: WireEvent.Direction, registrationID: String?) {
        var bytes = raw
        if case .connect(var connect) = packet, let password = connect.password {
            // The raw CONNECT carries the redacted credential, never the password itself.
            connect.password = Array(RedactedCredential(String(decoding: password, as: UTF8.self)).text.utf8)
            bytes = (try? MQTTPacket.connect(connect).encode()) ?? []
        } else if let limit = transcript.payloadTextLimit, raw.count > limit {
            // A bounded transcript would drop these raw bytes; they are not scanned for nothing.
            bytes = []
        } else {
            bytes = Redaction.bytes(raw)
        }
        let event = WireEvent(time: clock.now(), connection: connection, transport: .mqtt, direction: direction,
                              content: .mqtt(Self.record(of: packet, textLimit: transcript.payloadTextLimit)), exchange: Self.exchange(of: packet, registrationID: registrationID), raw: bytes)
        logger.debug("\(connection) \(direction == .toService ? "->" : "<-") \(event.summary)")
        transcript.append(event)
    }

    /// The typed record of a decoded packet.
    static func record(of packet: MQTTPacket, textLimit: Int? = nil) -> MQTTPacketRecord {
        switch packet {
        case .connect(let connect):
            .connect(MQTTConnectRecord(clientID: connect.clientIdentifier, username: connect.userName, password: connect.password,
                                       cleanSession: connect.cleanSession, keepAliveSeconds: Int(connect.keepAliveSeconds)))
        case .connAck(let ack): .connAck(returnCode: Int(ack.returnCode.rawValue), sessionPresent: ack.sessionPresent)
        case .publish(let publish):
            .publish(MQTTPublishRecord(topic: publish.topicName, qos: Int(publish.qos.rawValue), duplicate: publish.dup, retain: publish.retain,
                                       packetID: publish.packetIdentifier.map(Int.init), payload: publish.payload,
                                       textLimit: textLimit))
        case .pubAck(let id): .pubAck(packetID: Int(id))
        case .pubRec(let id): .qos2Flow(.pubRec, packetID: Int(id))
        case .pubRel(let id): .qos2Flow(.pubRel, packetID: Int(id))
        case .pubComp(let id): .qos2Flow(.pubComp, packetID: Int(id))
        case .subscribe(let subscribe):
            .subscribe(packetID: Int(subscribe.packetIdentifier),
                       filters: subscribe.subscriptions.map { MQTTSubscriptionRecord(filter: $0.topicFilter, qos: Int($0.requestedQoS.rawValue)) })
        case .subAck(let ack): .subAck(packetID: Int(ack.packetIdentifier), returnCodes: ack.returnCodes.map { Int($0.rawValue) })
        case .unsubscribe(let unsubscribe): .unsubscribe(packetID: Int(unsubscribe.packetIdentifier), filters: unsubscribe.topicFilters)
        case .unsubAck(let id): .unsubAck(packetID: Int(id))
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        }
    }

    /// The DPS request or response a PUBLISH carries, from its topic (DPSCore's topic grammar).
    static func exchange(of packet: MQTTPacket, registrationID: String?) -> DPSExchange? {
        guard case .publish(let publish) = packet else { return nil }
        if let response = try? ResponseTopic(parsing: publish.topicName) {
            return .response(to: nil, requestID: response.rawRequestID, status: response.status, retryAfter: response.retryAfterText, body: publish.payload)
        }
        switch try? DeviceRequestTopic(parsing: publish.topicName) {
        case .register(let rid, _)?:
            return .request(.register, requestID: rid, registrationID: registrationID, duplicate: publish.dup)
        case .poll(let rid, let operation, _)?:
            return .request(.poll, requestID: rid, registrationID: registrationID, operationID: operation, duplicate: publish.dup)
        case nil:
            return nil
        }
    }
}

/// Client certificates as transcript events: one event per certificate of the chain a device
/// presented (leaf first), with its DER as the raw bytes. Certificates are public data; DICE
/// checks read them from here.
enum CertificateEvents {
    /// One event per certificate, and one log line for the chain (`serve` prints it).
    static func record(_ chain: [[UInt8]], connection: String, into transcript: Transcript, at time: Date, logger: Logger) {
        guard !chain.isEmpty else { return }
        var leafSubject: String?
        for (index, der) in chain.enumerated() {
            let subject = (try? PresentedChain(der: [der])).flatMap { CertificateFacts.commonName($0.leaf.subject) }
            if index == 0 { leafSubject = subject }
            let record = PresentedCertificateRecord(index: index, subjectCommonName: subject, sha256: CertificateFacts.sha256Thumbprint(der))
            transcript.append(WireEvent(time: time, connection: connection, transport: .tls, direction: .toService, content: .certificate(record), raw: der))
        }
        logger.info("\(connection) TLS client certificate chain of \(chain.count), leaf subject CN=\(leafSubject ?? "unparsed")")
    }
}
