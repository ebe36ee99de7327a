import DPSCore
import FakeDPS
import Foundation

/// A recorded exchange the fake replays (`replay:` in a scenario), and the reference the
/// device's behaviour is compared with.
public struct ReferenceRecording: Sendable {
    /// The file, as the scenario names it.
    public var path: String
    public var recording: RecordingInfo?
    public var events: [WireEvent]

    public init(path: String, recording: RecordingInfo?, events: [WireEvent]) {
        self.path = path
        self.recording = recording
        self.events = events
    }

    /// Reads a recording; errors name the file and the JSON path (exit 2).
    public static func load(path: String) throws(DPSCoreError) -> ReferenceRecording {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPSCoreError(.invalidJSON, "\(path): cannot read the recording")
        }
        let file = try TranscriptFile.decode(data, source: path)
        return ReferenceRecording(path: path, recording: file.recording, events: file.events)
    }

    /// The transport the recording is of: its metadata's, else its events'.
    public var transport: ScenarioTransport? {
        if let name = recording?.transport, let transport = ScenarioTransport(rawValue: name) { return transport }
        if events.contains(where: { $0.transport == .mqtt }) { return .mqtt }
        if events.contains(where: { $0.transport == .https }) { return .https }
        return nil
    }
}

/// Turns a recording into the fake's fault plan: each recorded answer becomes the answer to the
/// same kind of request at the same occurrence (the n-th register, the n-th poll), with the
/// recorded status, retry-after and body; a refused CONNECT or SUBSCRIBE is refused again; a
/// request the service never answered is left unanswered, or its connection dropped when the
/// service closed it. Each answer goes as long after its request as the recorded one did.
enum ReplayPlan {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func faultPlan(from events: [WireEvent], source: String) throws(Problem) -> FaultPlan {
        var rules: [FaultRule] = []
        var occurrences: [FaultTarget: Int] = [:]
        func next(_ target: FaultTarget) -> Int {
            let n = occurrences[target, default: 0] + 1
            occurrences[target] = n
            return n
        }
        // Requests waiting for their answer, per connection, with their kind and occurrence.
        var pending: [String: [(requestID: String, target: FaultTarget, occurrence: Int, time: Date)]] = [:]
        var requestCount = 0
        for (index, event) in events.enumerated() {
            switch (event.content, event.direction) {
            case (.mqtt(.connect), .toService):
                _ = next(.connect)
            case (.mqtt(.connAck(let code, _)), .toDevice) where code != 0:
                guard let n = occurrences[.connect] else { continue }
                rules.append(FaultRule(on: .connect, occurrences: .nth(n), action: .refuseConnection(returnCode: UInt8(clamping: code))))
            case (.mqtt(.subscribe), .toService):
                _ = next(.subscribe)
            case (.mqtt(.subAck(_, let codes)), .toDevice) where codes.contains(0x80):
                guard let n = occurrences[.subscribe] else { continue }
                rules.append(FaultRule(on: .subscribe, occurrences: .nth(n), action: .refuseSubscription))
            case (.note(.closed(let cause)), _) where cause.isServiceInitiated:
                // The service closed a connection with requests still unanswered: drop it again.
                for waiting in pending[event.connection] ?? [] {
                    rules.append(FaultRule(on: waiting.target, occurrences: .nth(waiting.occurrence), action: .dropConnection(afterAcknowledging: true)))
                }
                pending[event.connection] = nil
            default:
                guard let exchange = event.exchange else { continue }
                if exchange.role == .request, event.direction == .toService, let kind = exchange.kind {
                    let target: FaultTarget
                    switch kind {
                    case .register: target = .register
                    case .poll: target = .poll
                    case .statusLookup: target = .statusLookup
                    }
                    requestCount += 1
                    pending[event.connection, default: []].append((exchange.requestID, target, next(target), event.time))
                } else if exchange.role == .response, event.direction == .toDevice {
                    var waiting = pending[event.connection] ?? []
                    guard let position = waiting.lastIndex(where: { $0.requestID == exchange.requestID }) ?? (waiting.isEmpty ? nil : 0) else { continue }
                    let answered = waiting.remove(at: position)
                    pending[event.connection] = waiting
                    let body: PayloadText?
                    switch event.content {
                    case .mqtt(.publish(let publish)): body = publish.payload
                    case .httpResponse(let response): body = response.body
                    default: body = nil
                    }
                    if let body, body.truncated || body.sha256 != nil {
                        throw Problem(description: "\(source): the response body at $.events[\(index)] was not recorded whole; it cannot be replayed")
                    }
                    // As late as the recorded service answered (to the millisecond).
                    let latency = max(0, event.time.timeIntervalSince(answered.time))
                    rules.append(FaultRule(on: answered.target, occurrences: .nth(answered.occurrence),
                                           action: .replay(status: exchange.status ?? 500, retryAfter: exchange.retryAfter, body: body?.text ?? "",
                                                           after: .milliseconds(Int64((latency * 1000).rounded())))))
                }
            }
        }
        for waiting in pending.values.flatMap({ $0 }) {
            rules.append(FaultRule(on: waiting.target, occurrences: .nth(waiting.occurrence), action: .noResponse))
        }
        guard requestCount > 0 else { throw Problem(description: "\(source): the recording holds no DPS request to replay") }
        return FaultPlan(rules: rules)
    }
}
