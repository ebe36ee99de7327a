import Foundation

/// Makes a recording fit to commit and share. Secrets never reach a transcript at all (SAS
/// signatures, passwords and `Authorization` values are redacted where records are made; keys,
/// private keys and UDS are never recorded); the sanitiser also replaces what identifies a real
/// deployment, each value by the same stand-in wherever it occurs (topics, paths, headers,
/// bodies, exchanges): operation IDs, assigned hubs, device IDs, etags, tracking IDs, the
/// service's request IDs and the timestamps in bodies; it moves event times to start at
/// 2000-01-01T00:00:00Z (keeping every interval), and drops the raw bytes of packets and
/// messages, which would hold the originals (certificates are public and stay).
public struct RecordingSanitiser: Sendable {
    /// A kind of value the sanitiser replaces unless told to keep it (`--keep`).
    public enum Field: String, Sendable, Hashable, CaseIterable, Codable {
        case operationId, assignedHub, deviceId, etag, trackingId, requestId, timestamps
    }

    public var keep: Set<Field>

    public init(keep: Set<Field> = []) {
        self.keep = keep
    }

    /// The start of a sanitised recording's clock.
    public static let epoch = Date(timeIntervalSince1970: 946_684_800)

    /// The sanitised events; the file's other fields are unchanged.
    public func sanitise(_ events: [WireEvent]) throws -> [WireEvent] {
        var table = StandIns(keep: keep, registrationIDs: Set(events.compactMap { $0.exchange?.registrationID }))
        for event in events { table.collect(event) }
        let replacements = table.replacements
        let start = events.first?.time
        let wallStart = events.first?.wallTime
        var moved = events
        for index in moved.indices {
            if !keep.contains(.timestamps), let start, let wallStart {
                moved[index].time = Self.epoch.addingTimeInterval(moved[index].time.timeIntervalSince(start))
                moved[index].wallTime = Self.epoch.addingTimeInterval(moved[index].wallTime.timeIntervalSince(wallStart))
            }
            if moved[index].certificate == nil { moved[index].raw = Data() }
        }
        guard !replacements.isEmpty else { return moved }
        // Every occurrence, in whatever record it sits, is replaced in the encoded events: the
        // longest values first, so that a value inside another is not cut apart.
        let file = TranscriptFile(events: moved)
        var text = String(decoding: try file.encoded(), as: UTF8.self)
        for (value, standIn) in replacements.sorted(by: { $0.0.count > $1.0.count }) {
            text = text.replacingOccurrences(of: Self.jsonEscaped(value), with: Self.jsonEscaped(standIn))
        }
        return try TranscriptFile.decode(Data(text.utf8), source: "sanitised recording").events
    }

    /// The string values of `name` anywhere in a JSON text (a body), read with a tolerant scan:
    /// bodies may be malformed on purpose.
    static func stringValues(of name: String, in text: String) -> [String] {
        var values: [String] = []
        var rest = Substring(text)
        let key = "\"\(name)\""
        while let range = rest.range(of: key) {
            rest = rest[range.upperBound...]
            let afterColon = rest.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            guard afterColon.first == ":" else { continue }
            let value = afterColon.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            guard value.first == "\"" else { continue }
            let inner = value.dropFirst()
            guard let end = inner.firstIndex(of: "\"") else { break }
            let found = String(inner[..<end])
            if !found.contains("\\") { values.append(found) }
            rest = inner[end...]
        }
        return values
    }

    /// Each identifying value met, with its stand-in: the n-th value of a kind gets the n-th
    /// stand-in of that kind.
    private struct StandIns {
        let keep: Set<Field>
        let registrationIDs: Set<String>
        private(set) var replacements: [(String, String)] = []
        private var seen: Set<String> = []
        private var counters: [Field: Int] = [:]

        init(keep: Set<Field>, registrationIDs: Set<String>) {
            self.keep = keep
            self.registrationIDs = registrationIDs
        }

        /// The identifying values of one event: its DPS exchange's, the service's request ID, and
        /// those in its body.
        mutating func collect(_ event: WireEvent) {
            if let exchange = event.exchange {
                add(exchange.operationID, .operationId)
                add(exchange.assignedHub, .assignedHub)
                add(exchange.deviceID, .deviceId)
                add(exchange.etag, .etag)
            }
            var body: String?
            if case .publish(let publish)? = event.mqttPacket { body = publish.payload?.text }
            if let request = event.httpRequest { body = request.body?.text }
            if let response = event.httpResponse {
                body = response.body?.text
                for header in response.headers where header.name.lowercased() == "x-ms-request-id" { add(header.value, .requestId) }
            }
            guard let body else { return }
            for (name, field) in Self.bodyFields {
                for value in RecordingSanitiser.stringValues(of: name, in: body) { add(value, field) }
            }
        }

        /// Body members that identify a deployment, and their kind.
        static let bodyFields: [(String, Field)] = [("trackingId", .trackingId), ("createdDateTimeUtc", .timestamps),
                                                    ("lastUpdatedDateTimeUtc", .timestamps), ("timestampUtc", .timestamps),
                                                    ("operationId", .operationId), ("assignedHub", .assignedHub), ("etag", .etag)]

        mutating func add(_ value: String?, _ field: Field) {
            guard !keep.contains(field), let value, value.count >= 4, !seen.contains(value) else { return }
            // A device ID equal to the registration ID stays: the registration ID is kept.
            if field == .deviceId, registrationIDs.contains(value) { return }
            seen.insert(value)
            let n = counters[field, default: 0] + 1
            counters[field] = n
            let standIn: String
            switch field {
            case .operationId: standIn = "operation-\(n)"
            case .assignedHub: standIn = "hub-\(n).example.net"
            case .deviceId: standIn = "device-\(n)"
            case .etag: standIn = "etag-\(n)"
            case .trackingId: standIn = "tracking-\(n)"
            case .requestId: standIn = "request-\(n)"
            case .timestamps: standIn = DPSTimestamp.string(from: RecordingSanitiser.epoch.addingTimeInterval(Double(n)))
            }
            replacements.append((value, standIn))
        }
    }

    /// `value` as it appears inside a JSON string of the encoded file (slashes unescaped).
    static func jsonEscaped(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
