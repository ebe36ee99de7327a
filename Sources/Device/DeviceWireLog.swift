import DPSCore
import Foundation
import Synchronization

/// The device's own record of what it exchanged, as typed events in a DPSCore `Transcript` on the
/// client's clock (`dpsconform provision --transcript`). Secrets never reach it: the records
/// redact credentials where they are made.
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

    /// Records one event.
    func record(_ connection: String, _ transport: WireEvent.Transport, _ direction: WireEvent.Direction, _ content: WireContent,
                exchange: DPSExchange? = nil) {
        transcript.append(WireEvent(time: clock.now(), connection: connection, transport: transport, direction: direction,
                                    content: content, exchange: exchange))
    }

    /// Records a note on `connection`.
    func note(_ connection: String, _ transport: WireEvent.Transport, _ note: WireNote) {
        record(connection, transport, .local, .note(note))
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
