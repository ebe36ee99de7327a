import DPSCore
import Foundation
import Synchronization

/// The device's own record of what it exchanged, written into a DPSCore `Transcript` on the
/// client's clock (`dpsconform provision --transcript`). Secrets never reach it: SAS signatures
/// and MQTT passwords are redacted before an event is made.
public struct DeviceWireLog: Sendable {
    public let transcript: Transcript
    let clock: any DPSClock
    private let connections: ConnectionCounter

    /// A log appending to `transcript`, stamping events with `clock`'s time.
    public init(transcript: Transcript, clock: any DPSClock) {
        self.transcript = transcript
        self.clock = clock
        self.connections = ConnectionCounter()
    }

    /// A name for the next connection of `transport`, e.g. `device-mqtt#2`.
    func nextConnection(_ transport: WireEvent.Transport) -> String {
        "device-\(transport.rawValue)#\(connections.next())"
    }

    /// Records one event; `payload` is redacted here, so callers cannot forget.
    func record(_ connection: String, _ transport: WireEvent.Transport, _ direction: WireEvent.Direction, kind: String,
                summary: String, topic: String? = nil, status: Int? = nil, payload: [UInt8]? = nil) {
        let text = payload.map { Redaction.sasSignatures(in: String(decoding: $0, as: UTF8.self)) }
        transcript.append(WireEvent(time: clock.now(), connection: connection, transport: transport, direction: direction,
                                    kind: kind, summary: Redaction.sasSignatures(in: summary), topic: topic.map(Redaction.sasSignatures),
                                    status: status, payload: text, raw: text.map { Array($0.utf8) } ?? []))
    }
}

/// Numbers connections 1, 2, 3, ... across the transports one client makes.
final class ConnectionCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
