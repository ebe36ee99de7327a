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
        var pendingHTTP: [String: [Request]] = [:]
        for event in events where event.transport == .https {
            if event.direction == .toService, let request = Self.httpRequest(event) {
                requests.append(request)
                pendingHTTP[event.connection, default: []].append(request)
            } else if event.direction == .toDevice, event.kind == "RESPONSE", let status = event.status {
                // HTTP/1.1 answers in request order on a connection.
                guard var queue = pendingHTTP[event.connection], !queue.isEmpty else { continue }
                let request = queue.removeFirst()
                pendingHTTP[event.connection] = queue
                let body = Array((event.payload ?? "").utf8)
                let operation = (200..<300).contains(status) ? try? JSONText.decode(RegistrationOperationStatus.self, from: body, what: "response") : nil
                responses.append(Response(event: event, status: status, rawRequestID: request.rawRequestID,
                                          retryAfter: Self.header("retry-after", in: event.raw), operation: operation))
            }
        }
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
        self.requests = requests.sorted { $0.event.sequence < $1.event.sequence }
        self.responses = responses.sorted { $0.event.sequence < $1.event.sequence }
        self.connects = connects
    }

    /// A DPS request from its HTTP method and target (routes of dps-protocol.md §3); the pairing
    /// id stands in for MQTT's `$rid`.
    static func httpRequest(_ event: WireEvent) -> Request? {
        guard let target = event.topic else { return nil }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 3, segments[1].lowercased() == "registrations" else { return nil }
        let id = "http#\(event.sequence)"
        switch (event.kind, segments.count) {
        case ("PUT", 4) where segments[3].lowercased() == "register":
            return Request(event: event, kind: .register, rawRequestID: id, operationID: nil, dup: false)
        case ("GET", 5) where segments[3].lowercased() == "operations":
            return Request(event: event, kind: .poll, rawRequestID: id, operationID: try? PercentEncoding.decode(segments[4]), dup: false)
        case ("POST", 3):
            return Request(event: event, kind: .statusLookup, rawRequestID: id, operationID: nil, dup: false)
        default:
            return nil
        }
    }

    /// A header's value from a recorded HTTP message (`raw` holds its text).
    static func header(_ name: String, in raw: Data) -> String? {
        let text = String(decoding: raw, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
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
