import Foundation

/// The transcript as a file: a versioned JSON document (`docs/transcript.md`) that `provision
/// --transcript` writes, reports embed, and recordings and comparisons read.
public struct TranscriptFile: Sendable, Hashable, Codable {
    /// Identifies the document kind.
    public static let formatName = "dpsconform-transcript"
    /// Bumped when the shape changes incompatibly.
    public static let formatVersion = 1

    public var format: String
    public var formatVersion: Int
    /// Where the exchange was recorded, when the file is a recording (`dpsconform record`).
    public var recording: RecordingInfo?
    public var events: [WireEvent]

    public init(events: [WireEvent], recording: RecordingInfo? = nil) {
        format = Self.formatName
        formatVersion = Self.formatVersion
        self.recording = recording
        self.events = events
    }

    /// The document as pretty-printed JSON with sorted keys (dates ISO 8601 with milliseconds).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.timeStyle))
        }
        encoder.dataEncodingStrategy = .base64
        return try encoder.encode(self)
    }

    /// Reads a document; `source` names the file in errors, which give the JSON path.
    public static func decode(_ data: Data, source: String) throws(DPSCoreError) -> TranscriptFile {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = try? Date(text, strategy: timeStyle) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 time")
            }
            return date
        }
        decoder.dataDecodingStrategy = .base64
        struct Header: Decodable { var format: String; var formatVersion: Int }
        do {
            let header = try decoder.decode(Header.self, from: data)
            guard header.format == formatName else {
                throw DPSCoreError(.invalidJSON, "\(source): $.format is '\(header.format)', expected '\(formatName)'")
            }
            guard header.formatVersion == formatVersion else {
                throw DPSCoreError(.invalidJSON, "\(source): $.formatVersion is \(header.formatVersion); this tool reads \(formatVersion)")
            }
            return try decoder.decode(TranscriptFile.self, from: data)
        } catch let error as DPSCoreError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw DPSCoreError(.invalidJSON, "\(source): missing field '\(key.stringValue)' at \(path(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
            throw DPSCoreError(.invalidJSON, "\(source): \(context.debugDescription) at \(path(context.codingPath))")
        } catch {
            throw DPSCoreError(.invalidJSON, "\(source): \(error)")
        }
    }

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func path(_ keys: [any CodingKey]) -> String {
        "$" + keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// What a recording is of: the case, its transport, the service and device that took part,
/// and what sanitising replaced.
public struct RecordingInfo: Sendable, Hashable, Codable {
    /// The scenario case, or `proxy` for a device recorded through `record --proxy`.
    public var caseID: String
    public var transport: String?
    /// The enrollment role the device played (`assigned`, `wrongKey`, ...), when bound to one.
    public var role: String?
    /// The service (the built-in fake, or the target's address).
    public var service: String
    /// The device (reference, a device command, a device behind a proxy).
    public var device: String
    /// Sanitised: identifying values replaced consistently, raw bytes dropped.
    public var sanitised: Bool
    /// The kinds of value kept as recorded (`--keep`).
    public var kept: [String]

    public init(caseID: String, transport: String?, role: String?, service: String, device: String, sanitised: Bool, kept: [String]) {
        self.caseID = caseID
        self.transport = transport
        self.role = role
        self.service = service
        self.device = device
        self.sanitised = sanitised
        self.kept = kept
    }
}
