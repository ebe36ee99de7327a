import DPSCore
import Foundation

/// The fake's transcript read the way the conformance checks read it: device requests and
/// service answers in order, over MQTT or HTTPS, and one predicate per rule a device can break.
/// Every predicate is true when the transcript shows the rule broken.
struct TranscriptFacts {
    struct Request {
        let time: Date
        let connection: String
        let kind: DeviceRequestKind
        /// `$rid` as sent (MQTT only).
        let rid: String?
        let operationID: String?
    }

    struct Answer {
        let time: Date
        let status: Int
        let retryAfter: String?
        /// The operation ID the answer's body carries.
        let operationID: String?
    }

    enum Item {
        case request(Request)
        case answer(Answer)
    }

    let events: [WireEvent]
    let items: [Item]

    /// Reads the DPS exchange each recorder attached to its events: nothing is parsed again here.
    init(_ events: [WireEvent]) {
        self.events = events
        items = events.compactMap { event in
            guard let exchange = event.exchange else { return nil }
            switch exchange.role {
            case .request:
                guard let kind = exchange.kind else { return nil }
                return .request(Request(time: event.time, connection: event.connection, kind: kind,
                                        rid: event.transport == .mqtt ? exchange.requestID : nil, operationID: exchange.operationID))
            case .response:
                return .answer(Answer(time: event.time, status: exchange.status ?? 0, retryAfter: exchange.retryAfter, operationID: exchange.operationID))
            }
        }
    }

    var requests: [Request] {
        items.compactMap { if case .request(let request) = $0 { request } else { nil } }
    }

    var answers: [Answer] {
        items.compactMap { if case .answer(let answer) = $0 { answer } else { nil } }
    }

    /// Each answer with the request that came next, if any.
    var followUps: [(answer: Answer, next: Request?)] {
        var pairs: [(Answer, Request?)] = []
        for (index, item) in items.enumerated() {
            guard case .answer(let answer) = item else { continue }
            let next = items[(index + 1)...].lazy.compactMap { if case .request(let request) = $0 { request } else { nil } }.first
            pairs.append((answer, next))
        }
        return pairs
    }

    // MARK: rules, each true when broken

    /// DPS-FLOW-RID-001: a `$rid` used twice.
    var reusesRequestID: Bool {
        let rids = requests.compactMap(\.rid)
        return Set(rids).count != rids.count
    }

    /// DPS-MQTT-SUB-001: on some connection a PUBLISH came before any SUBSCRIBE.
    var publishesBeforeSubscribing: Bool {
        var subscribed: Set<String> = []
        for event in events where event.direction == .toService {
            switch event.mqttPacket {
            case .subscribe?: subscribed.insert(event.connection)
            case .publish? where !subscribed.contains(event.connection): return true
            default: continue
            }
        }
        return false
    }

    /// DPS-MQTT-CONN-003: a CONNECT username with `?api-version`.
    var usesQuestionMarkUsername: Bool {
        events.contains { event in
            guard event.direction == .toService, case .connect(let connect)? = event.mqttPacket else { return false }
            return (connect.username ?? "").contains("?api-version=")
        }
    }

    /// DPS-AUTH-SAS-004: the service refused the device's credentials.
    var refusedCredentials: Bool {
        answers.contains { $0.status == 401 } || events.contains { event in
            if case .attestationRefused? = event.note { return true }
            return false
        }
    }

    /// DPS-FLOW-RETRY-001: the request after a retry-after of N seconds came sooner than N.
    var requestsBeforeRetryAfter: [Double] {
        followUps.compactMap { pair in
            guard let next = pair.next, let text = pair.answer.retryAfter, let seconds = RetryAfter.seconds(text) else { return nil }
            let gap = next.time.timeIntervalSince(pair.answer.time)
            return gap < Double(seconds) - 0.001 ? gap : nil
        }
    }

    /// DPS-FLOW-ERR-001: a request followed a 4xx other than 429.
    var retriesPermanentError: Bool {
        followUps.contains { (400..<500).contains($0.answer.status) && $0.answer.status != 429 && $0.next != nil }
    }

    /// DPS-FLOW-TRANSIENT-001: the device stopped after a 429 or 5xx.
    var stopsAfterThrottling: Bool {
        followUps.contains { ($0.answer.status == 429 || $0.answer.status >= 500) && $0.next == nil }
    }

    /// DPS-FLOW-POLL-001: after a 202 `assigning` the next request was not a poll of that
    /// operation (or there was none at all while the run had time left).
    func leavesAssigning(pollExpected: Bool = true) -> Bool {
        followUps.contains { pair in
            guard pair.answer.status == 202, let operation = pair.answer.operationID else { return false }
            guard let next = pair.next else { return pollExpected }
            return next.kind != .poll || next.operationID != operation
        }
    }

    /// DPS-FLOW-DEADLINE-001: requests later than `deadline` after the first one.
    func requestsAfter(_ deadline: Double) -> Int {
        guard let first = requests.first?.time else { return 0 }
        return requests.filter { $0.time.timeIntervalSince(first) > deadline }.count
    }

    /// DPS-MQTT-DISC-001: an MQTT connection that ended without DISCONNECT.
    var endsWithoutDisconnect: Bool {
        let connections = Set(events.filter { if case .connect? = $0.mqttPacket { true } else { false } }.map(\.connection))
        let disconnected = Set(events.filter { $0.direction == .toService && $0.mqttPacket == .disconnect }.map(\.connection))
        return !connections.isSubset(of: disconnected)
    }
}

extension TranscriptFacts: CustomStringConvertible {
    /// One line per request and answer, with clock offsets, for failure messages.
    var description: String {
        guard let start = events.first?.time else { return "(empty transcript)" }
        return items.map { item in
            switch item {
            case .request(let request):
                "+\(request.time.timeIntervalSince(start))s \(request.connection) \(request.kind.rawValue) rid=\(request.rid ?? "-")"
            case .answer(let answer):
                "+\(answer.time.timeIntervalSince(start))s   -> \(answer.status) retry-after=\(answer.retryAfter ?? "-")"
            }
        }.joined(separator: "\n")
    }
}
