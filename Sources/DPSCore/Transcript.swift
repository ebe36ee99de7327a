import Foundation
import Synchronization

/// One event on the wire, as either side saw it. Secrets are redacted before an event is made:
/// SAS signatures and passwords never reach a transcript.
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
    /// The clock's time (virtual time when the run uses a virtual clock).
    public var time: Date
    /// Which connection, e.g. `mqtt#1`.
    public var connection: String
    public var transport: Transport
    public var direction: Direction
    /// What it is: `CONNECT`, `PUBLISH`, `PUT`, `CLOSE`, ...
    public var kind: String
    /// One readable line.
    public var summary: String
    /// MQTT topic or HTTP path.
    public var topic: String?
    /// Status code of a response, or CONNACK return code.
    public var status: Int?
    /// Payload or body as text (lossy UTF-8), redacted.
    public var payload: String?
    /// Raw bytes of the packet or message, redacted.
    public var raw: Data

    public init(time: Date, connection: String, transport: Transport, direction: Direction, kind: String,
                summary: String, topic: String? = nil, status: Int? = nil, payload: String? = nil, raw: [UInt8] = []) {
        self.sequence = 0
        self.time = time
        self.connection = connection
        self.transport = transport
        self.direction = direction
        self.kind = kind
        self.summary = summary
        self.topic = topic
        self.status = status
        self.payload = payload
        self.raw = Data(raw)
    }
}

/// An append-only, thread-safe record of wire events from every side of one run.
public final class Transcript: Sendable {
    private let events: Mutex<[WireEvent]>

    public init() {
        events = Mutex([])
    }

    /// Appends `event`, giving it the next sequence number.
    public func append(_ event: WireEvent) {
        events.withLock { list in
            var numbered = event
            numbered.sequence = list.count
            list.append(numbered)
        }
    }

    /// A snapshot of every event so far, in order.
    public var snapshot: [WireEvent] {
        events.withLock { $0 }
    }
}

/// Removing secrets from text before it is logged or recorded.
public enum Redaction {
    /// Replaces the `sig=` value of any SAS token inside `text`.
    public static func sasSignatures(in text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "sig=") {
            result += rest[..<range.upperBound] + "REDACTED"
            rest = rest[range.upperBound...]
            rest = rest.drop(while: { $0 != "&" && $0 != " " && $0 != "\"" && $0 != "\n" })
        }
        return result + rest
    }
}
