import DPSCore
import Foundation

/// The DPS exchanges of a transcript, read from the typed events (each request and response
/// event carries the `DPSExchange` its recorder filled in; nothing is decoded again here).
struct TranscriptView {
    struct Request {
        let event: WireEvent
        let kind: DeviceRequestKind
        let requestID: String
        let operationID: String?
        let duplicate: Bool
    }

    struct Response {
        let event: WireEvent
        let exchange: DPSExchange
        var status: Int { exchange.status ?? 0 }
        var requestID: String { exchange.requestID }
        var retryAfter: String? { exchange.retryAfter }
        var state: RegistrationStatus? { exchange.state }
        var operationID: String? { exchange.operationID }
    }

    let events: [WireEvent]
    let requests: [Request]
    let responses: [Response]
    let connects: [(event: WireEvent, packet: MQTTConnectRecord)]

    init(events: [WireEvent]) {
        self.events = events
        var requests: [Request] = []
        var responses: [Response] = []
        var connects: [(WireEvent, MQTTConnectRecord)] = []
        for event in events {
            if event.direction == .toService, case .mqtt(.connect(let connect)) = event.content { connects.append((event, connect)) }
            guard let exchange = event.exchange else { continue }
            switch exchange.role {
            case .request where event.direction == .toService:
                guard let kind = exchange.kind else { continue }
                requests.append(Request(event: event, kind: kind, requestID: exchange.requestID, operationID: exchange.operationID,
                                        duplicate: exchange.duplicate))
            case .response where event.direction == .toDevice:
                responses.append(Response(event: event, exchange: exchange))
            default:
                continue
            }
        }
        self.requests = requests
        self.responses = responses
        self.connects = connects
    }

    /// Events the device sent.
    var deviceEvents: [WireEvent] { events.filter { $0.direction == .toService } }

    /// MQTT packets the device sent, with their events.
    var devicePackets: [(event: WireEvent, packet: MQTTPacketRecord)] {
        events.compactMap { event in
            guard event.direction == .toService, case .mqtt(let packet) = event.content else { return nil }
            return (event, packet)
        }
    }

    /// HTTP requests the device sent, with their events.
    var httpRequests: [(event: WireEvent, request: HTTPRequestRecord)] {
        events.compactMap { event in
            guard event.direction == .toService, case .httpRequest(let request) = event.content else { return nil }
            return (event, request)
        }
    }

    /// Notes, with their events.
    var notes: [(event: WireEvent, note: WireNote)] {
        events.compactMap { event in event.note.map { (event, $0) } }
    }

    /// The first note that says `requirement` was broken.
    func violation(of requirement: RequirementID) -> (event: WireEvent, note: WireNote)? {
        notes.first { $0.note.requirement == requirement }
    }

    /// The credentials the device presented: MQTT passwords and HTTP `Authorization` values.
    var credentials: [(event: WireEvent, credential: RedactedCredential)] {
        events.compactMap { event in
            guard event.direction == .toService else { return nil }
            switch event.content {
            case .mqtt(.connect(let connect)): return connect.password.map { (event, $0) }
            case .httpRequest(let request):
                return request.headers.first { $0.name.lowercased() == "authorization" }.map { (event, RedactedCredential(recorded: $0.value)) }
            default: return nil
            }
        }
    }

    /// The registration IDs the device used: CONNECT client IDs and usernames, HTTPS route IDs.
    var registrationIDsUsed: [(event: WireEvent, id: String)] {
        events.compactMap { event in
            guard event.direction == .toService else { return nil }
            switch event.content {
            case .mqtt(.connect(let connect)): return (event, connect.clientID)
            case .httpRequest(let request): return request.route.map { (event, $0.registrationID) }
            default: return nil
            }
        }
    }

    /// The first device request after `event`.
    func request(after event: WireEvent) -> Request? {
        requests.first { $0.event.sequence > event.sequence }
    }

    /// The register bodies the device sent (MQTT payload or HTTP body), with whether the text is whole.
    var registerBodies: [(event: WireEvent, body: PayloadText)] {
        requests.filter { $0.kind == .register }.compactMap { request in
            switch request.event.content {
            case .mqtt(.publish(let publish)): return publish.payload.map { (request.event, $0) } ?? (request.event, PayloadText([]))
            case .httpRequest(let http):
                // A body refused at the head for its size was never read: nothing to judge.
                guard http.bodyWasRead else { return nil }
                return http.body.map { (request.event, $0) } ?? (request.event, PayloadText([]))
            default: return nil
            }
        }
    }
}
