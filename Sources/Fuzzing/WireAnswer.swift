import Foundation
import DPSCore
import MQTTWire

/// What the service did with one case's request, as the wire showed it.
public enum WireAnswer: Sendable, Hashable, Codable {
    /// A DPS response: its status and, when the body carried one, the six-digit error code.
    case response(status: Int, errorCode: Int?)
    /// MQTT CONNACK with a refusal return code (1 to 5).
    case connackRefused(returnCode: UInt8)
    /// The TLS handshake failed (an alert).
    case handshakeRefused
    /// The server closed the connection without a DPS answer.
    case closedWithoutAnswer
    /// Nothing within the deadline.
    case noAnswerWithinDeadline
    /// The connection could not be made (a harness problem, not a verdict).
    case connectFailed(String)

    /// The service accepted the registration request (200 or 202).
    public var accepted: Bool {
        if case .response(let status, _) = self { return status == 200 || status == 202 }
        return false
    }

    /// Text for a report's "observed".
    public var text: String {
        switch self {
        case .response(let status, let code): "status \(status)" + (code.map { ", errorCode \($0)" } ?? ", no errorCode")
        case .connackRefused(let code): "CONNACK refused with return code \(code)"
        case .handshakeRefused: "TLS handshake refused"
        case .closedWithoutAnswer: "connection closed without an answer"
        case .noAnswerWithinDeadline: "no answer and no close within the deadline"
        case .connectFailed(let reason): "could not connect: \(reason)"
        }
    }
}

/// Reads the answer to an MQTT register exchange: CONNACK, SUBACK, then the response PUBLISH.
enum MQTTAnswerReader {
    /// Whether `received` holds a final answer (a refused CONNACK or a response PUBLISH).
    static func isComplete(_ received: [UInt8]) -> Bool {
        switch read(received) {
        case .some(.response), .some(.connackRefused): return true
        default: return false
        }
    }

    /// The `$rid` of every response PUBLISH in `received`, in order.
    static func responseRequestIDs(_ received: [UInt8]) -> [String] {
        var decoder = MQTTFrameDecoder()
        return ((try? decoder.feed(received)) ?? []).compactMap { packet in
            guard case .publish(let publish) = packet else { return nil }
            return (try? ResponseTopic(parsing: publish.topicName))?.rawRequestID
        }
    }

    static func read(_ received: [UInt8]) -> WireAnswer? {
        var decoder = MQTTFrameDecoder()
        guard let packets = try? decoder.feed(received) else { return nil }
        for packet in packets {
            switch packet {
            case .connAck(let connack) where connack.returnCode.rawValue != 0:
                return .connackRefused(returnCode: connack.returnCode.rawValue)
            case .publish(let publish):
                guard let topic = try? ResponseTopic(parsing: publish.topicName) else { continue }
                let details = try? JSONText.decode(ProvisioningServiceErrorDetails.self, from: publish.payload, what: "response")
                return .response(status: topic.status, errorCode: (200..<300).contains(topic.status) ? nil : details?.errorCode)
            default:
                continue
            }
        }
        return nil
    }
}

/// Reads an HTTP/1.1 response: status line, headers, `Content-Length` body.
enum HTTPAnswerReader {
    /// The head of the first response in `received`: its status, its header fields (names lower-cased),
    /// where its body starts and how long it says the body is.
    struct Head {
        var status: Int
        var fields: [(name: String, value: String)]
        var bodyStart: Int
        var contentLength: Int

        func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    }

    /// The first response's head; nil until it is complete or when its status line is not one.
    static func head(_ received: [UInt8]) -> Head? {
        guard let end = received.firstRange(of: [13, 10, 13, 10] as [UInt8]) else { return nil }
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let parts = lines.first?.split(separator: " ", maxSplits: 2), parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let fields = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            let pair = line.split(separator: ":", maxSplits: 1)
            return pair.count == 2 ? (pair[0].lowercased(), pair[1].trimmingCharacters(in: .whitespaces)) : nil
        }
        let length = fields.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
        return Head(status: status, fields: fields, bodyStart: end.upperBound, contentLength: length)
    }

    static func isComplete(_ received: [UInt8]) -> Bool { read(received, closed: false) != nil }

    /// The bytes after the first complete response (its head and `Content-Length` body); nil
    /// while the first is incomplete.
    static func afterFirstResponse(_ received: [UInt8]) -> [UInt8]? {
        guard let head = head(received), received.count - head.bodyStart >= head.contentLength else { return nil }
        return Array(received[(head.bodyStart + head.contentLength)...])
    }

    static func read(_ received: [UInt8], closed: Bool) -> WireAnswer? {
        guard let head = head(received) else { return nil }
        let body = received[head.bodyStart...]
        guard body.count >= head.contentLength || closed else { return nil }
        let details = try? JSONText.decode(ProvisioningServiceErrorDetails.self, from: Array(body.prefix(head.contentLength)), what: "response")
        return .response(status: head.status, errorCode: (200..<300).contains(head.status) ? nil : details?.errorCode)
    }
}
