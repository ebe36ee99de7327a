import Foundation

/// One event on the wire, as the side that recorded it saw it, in typed form: the MQTT packet or
/// HTTP message with its fields, a presented certificate, or a note (a close with its cause, a
/// refusal with its requirement, a fault enacted). Records redact secrets in their initialisers,
/// so no event ever holds a SAS signature, a password or a private key.
public struct WireEvent: Sendable, Hashable, Codable {
    public enum Transport: String, Sendable, Hashable, Codable { case mqtt, https, tls, tcp }
    public enum Direction: String, Sendable, Hashable, Codable {
        /// Device to service.
        case toService
        /// Service to device.
        case toDevice
        /// Something one side noted (connection closed, timeout, decision).
        case local
    }

    /// Position in the transcript, from 0.
    public var sequence: Int
    /// The run's clock time (virtual time when the run uses a virtual clock).
    public var time: Date
    /// The real time at which the event was recorded.
    public var wallTime: Date
    /// Which connection, e.g. `mqtt#1`.
    public var connection: String
    public var transport: Transport
    public var direction: Direction
    /// What it is, typed.
    public var content: WireContent
    /// The DPS request or response this event carries, filled in once by the recorder that parsed it.
    public var exchange: DPSExchange?
    /// Raw bytes of the packet or message (redacted), or a certificate's DER; empty when not kept.
    public var raw: Data

    public init(time: Date, wallTime: Date = Date(), connection: String, transport: Transport, direction: Direction,
                content: WireContent, exchange: DPSExchange? = nil, raw: [UInt8] = []) {
        self.sequence = 0
        self.time = time
        self.wallTime = wallTime
        self.connection = connection
        self.transport = transport
        self.direction = direction
        self.content = content
        self.exchange = exchange
        self.raw = Data(raw)
    }

    /// A note on `connection`, e.g. a close with its cause.
    public static func note(_ note: WireNote, time: Date, connection: String, transport: Transport) -> WireEvent {
        WireEvent(time: time, connection: connection, transport: transport, direction: .local, content: .note(note))
    }

    /// The MQTT packet, when this event is one.
    public var mqttPacket: MQTTPacketRecord? {
        if case .mqtt(let packet) = content { return packet }
        return nil
    }

    /// The HTTP request, when this event is one.
    public var httpRequest: HTTPRequestRecord? {
        if case .httpRequest(let request) = content { return request }
        return nil
    }

    /// The HTTP response, when this event is one.
    public var httpResponse: HTTPResponseRecord? {
        if case .httpResponse(let response) = content { return response }
        return nil
    }

    /// The note, when this event is one.
    public var note: WireNote? {
        if case .note(let note) = content { return note }
        return nil
    }

    /// The presented certificate, when this event is one.
    public var certificate: PresentedCertificateRecord? {
        if case .certificate(let certificate) = content { return certificate }
        return nil
    }
}

/// What a wire event is.
public enum WireContent: Sendable, Hashable, Codable {
    case mqtt(MQTTPacketRecord)
    case httpRequest(HTTPRequestRecord)
    case httpResponse(HTTPResponseRecord)
    /// One certificate of the chain a device presented in its TLS handshake (DER in `raw`).
    case certificate(PresentedCertificateRecord)
    case note(WireNote)
}

/// One certificate a device presented: its place in the chain (0 is the leaf), subject CN and
/// SHA-256 thumbprint. Certificates are public data; the DER is the event's `raw`.
public struct PresentedCertificateRecord: Sendable, Hashable, Codable {
    public var index: Int
    public var subjectCommonName: String?
    public var sha256: String

    public init(index: Int, subjectCommonName: String?, sha256: String) {
        self.index = index
        self.subjectCommonName = subjectCommonName
        self.sha256 = sha256
    }

    public var isLeaf: Bool { index == 0 }
}
