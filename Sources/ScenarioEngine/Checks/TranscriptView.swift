import DPSCore
import Foundation
import MQTTWire

/// The DPS exchanges in a transcript, read back from the recorded MQTT packets.
struct TranscriptView {
    struct Request {
        let event: WireEvent
        let kind: DeviceRequestKind
        let rawRequestID: String
        let operationID: String?
        let dup: Bool
    }

    struct Response {
        let event: WireEvent
        let status: Int
        let rawRequestID: String
        let retryAfter: String?
        let operation: RegistrationOperationStatus?
    }

    let events: [WireEvent]
    let requests: [Request]
    let responses: [Response]
    let connects: [(event: WireEvent, packet: MQTTConnect)]

    init(events: [WireEvent]) {
        self.events = events
        var requests: [Request] = []
        var responses: [Response] = []
        var connects: [(WireEvent, MQTTConnect)] = []
        for event in events where event.transport == .mqtt {
            guard let packet = try? MQTTPacket.decode(Array(event.raw)) else { continue }
            switch (event.direction, packet) {
            case (.toService, .connect(let connect)):
                connects.append((event, connect))
            case (.toService, .publish(let publish)):
                switch try? DeviceRequestTopic(parsing: publish.topicName) {
                case .register(let rid, _)?:
                    requests.append(Request(event: event, kind: .register, rawRequestID: rid, operationID: nil, dup: publish.dup))
                case .poll(let rid, let operation, _)?:
                    requests.append(Request(event: event, kind: .poll, rawRequestID: rid, operationID: operation, dup: publish.dup))
                case nil:
                    continue
                }
            case (.toDevice, .publish(let publish)):
                guard let topic = try? ResponseTopic(parsing: publish.topicName) else { continue }
                let operation = (200..<300).contains(topic.status)
                    ? try? JSONText.decode(RegistrationOperationStatus.self, from: publish.payload, what: "response") : nil
                responses.append(Response(event: event, status: topic.status, rawRequestID: topic.rawRequestID,
                                          retryAfter: topic.retryAfterText, operation: operation))
            default:
                continue
            }
        }
        self.requests = requests
        self.responses = responses
        self.connects = connects
    }

    /// Events of one kind sent by the device.
    func deviceEvents(kind: String) -> [WireEvent] {
        events.filter { $0.direction == .toService && $0.kind == kind }
    }

    /// The first device request after `event`.
    func request(after event: WireEvent) -> Request? {
        requests.first { $0.event.sequence > event.sequence }
    }
}
