import DPSCore
import Foundation
import MQTTWire

/// What the service answered one step.
public enum ScriptAnswer: Sendable {
    case connAck(MQTTConnAck)
    case subAck(MQTTSubAck)
    case response(ScriptResponse)
    /// Another MQTT packet (to a raw step).
    case packet(MQTTPacket)
    /// The service closed the connection without answering.
    case closed
    /// Nothing came within the step's deadline.
    case nothing(Duration)
    /// The step asks for no answer (disconnect, a wait for some seconds).
    case notAsked

    /// What arrived, for verdicts (no secrets: the service sends none).
    var observed: String {
        switch self {
        case .connAck(let ack): "CONNACK return code \(ack.returnCode.rawValue), session present \(ack.sessionPresent ? 1 : 0)"
        case .subAck(let ack): "SUBACK return codes \(ack.returnCodes.map { String($0.rawValue) }.joined(separator: ", "))"
        case .response(let response): response.observed
        case .packet(let packet): "\(packet.packetType.name)"
        case .closed: "the service closed the connection without answering"
        case .nothing(let limit): "no answer within \(limit.seconds.formatted()) s"
        case .notAsked: "no answer asked for"
        }
    }
}

/// A DPS response: an MQTT PUBLISH on `$dps/registrations/res/...` or an HTTP response.
public struct ScriptResponse: Sendable {
    public var status: Int
    /// MQTT: the response topic, and the `$rid` of the request it should answer.
    public var topic: String?
    public var sentRequestID: String?
    /// HTTP: the response headers in order.
    public var headers: [(name: String, value: String)] = []
    public var retryAfter: String?
    public var body: [UInt8]
    /// MQTT: whether a PUBACK for the request came (nil when no publish preceded it).
    public var pubAck: Bool?

    var properties: TopicProperties? {
        guard let topic, let query = topic.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return try? TopicProperties(parsing: String(query))
    }

    var json: JSONValue? { try? JSONText.decode(JSONValue.self, from: body, what: "response body") }

    var observed: String {
        var text = topic.map { "\(status) on \($0)" } ?? "HTTP \(status)"
        if let pubAck { text += pubAck ? ", PUBACK received" : ", no PUBACK" }
        let bodyText = String(decoding: body.prefix(400), as: UTF8.self)
        if !bodyText.isEmpty { text += ", body \(bodyText)\(body.count > 400 ? "..." : "")" }
        return text
    }
}

extension AnswerCondition {
    /// What the condition asks, for `expected` of a verdict.
    var text: String {
        switch self {
        case .status(let codes): codes.count == 1 ? "status \(codes[0])" : "status one of \(codes.map(String.init).joined(separator: ", "))"
        case .connAck(let code): "CONNACK return code \(code)"
        case .sessionPresent(let present): "session present \(present ? 1 : 0)"
        case .granted(let codes): "SUBACK return codes \(codes.map(String.init).joined(separator: ", "))"
        case .requestIDEchoed: "the request's $rid echoed verbatim"
        case .requestID(let rid): "$rid \(rid)"
        case .requestIDFirst: "$rid first in the response topic"
        case .retryAfter(let present): present ? "retry-after present" : "no retry-after"
        case .pubAck(let expected): expected ? "a PUBACK" : "no PUBACK"
        case .closed(let closed): closed ? "the connection closed" : "the connection not closed"
        case .body(let path, .equals(let value)): "\(path) = \(value.compactText)"
        case .body(let path, .present): "\(path) present"
        case .body(let path, .absent): "\(path) absent"
        case .header(let name, let present): present ? "header \(name) present" : "no header \(name)"
        }
    }

    /// Whether `answer` meets the condition.
    func holds(for answer: ScriptAnswer) -> Bool {
        switch (self, answer) {
        case (.closed(let expected), _):
            if case .closed = answer { return expected }
            return !expected
        case (.connAck(let code), .connAck(let ack)): return ack.returnCode.rawValue == code
        case (.sessionPresent(let present), .connAck(let ack)): return ack.sessionPresent == present
        case (.granted(let codes), .subAck(let ack)): return ack.returnCodes.map(\.rawValue) == codes
        case (.status(let codes), .response(let response)): return codes.contains(response.status)
        case (.requestIDEchoed, .response(let response)):
            guard let sent = response.sentRequestID else { return false }
            return response.properties?.raw("$rid") == sent
        case (.requestID(let rid), .response(let response)): return response.properties?.raw("$rid") == rid
        case (.requestIDFirst, .response(let response)): return response.properties?.pairs.first?.key == "$rid"
        case (.retryAfter(let present), .response(let response)): return (response.retryAfter != nil) == present
        case (.pubAck(let expected), .response(let response)): return response.pubAck == expected
        case (.body(let path, let match), .response(let response)):
            let value = response.json.flatMap { path.value(in: $0) }
            switch match {
            case .equals(let expected): return value.map { Self.equal($0, expected) } ?? false
            case .present: return value != nil
            case .absent: return value == nil
            }
        case (.header(let name, let present), .response(let response)):
            return response.headers.contains { $0.name.lowercased() == name.lowercased() } == present
        default:
            return false
        }
    }

    /// JSON equality where 3 and 3.0 are the same number.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): return Double(a) == b
        default: return lhs == rhs
        }
    }
}
