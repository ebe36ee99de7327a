import DPSCore
@testable import FakeDPS
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization

/// The HTTPS front end's HTTP pipeline on an `EmbeddedChannel` (no sockets, no TLS), over a
/// service with a few enrollments on a virtual clock. Bytes go in as the device would send them;
/// what comes out is parsed by `HTTPResponseReader`, a reader written for the tests.
final class HTTPSHarness {
    static let idScope = "0ne00HTTPS1"
    /// 32 bytes, base64; made for these tests only.
    static let key = "c2VjcmV0LWtleS1mb3ItdGhlLWh0dHBzLXRlc3RzISE="
    static let otherKey = "b3RoZXIta2V5LW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE="

    let channel = EmbeddedChannel()
    let clock = VirtualClock(start: Date(timeIntervalSince1970: 1_700_000_000))
    let transcript = Transcript()
    let service: ProvisioningService
    let connection = ConnectionInfo(id: "https#1")
    let logLines = LogLines()
    private let reader = HTTPResponseReader()

    init(configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        var configuration = ServiceConfiguration(idScope: Self.idScope)
        configuration.enrollments = EnrollmentSet(individuals: [
            IndividualEnrollment(registrationID: "device-01", attestation: .symmetricKey(primaryKey: Self.key, secondaryKey: nil),
                                 deviceID: "device-01-id", allocation: .static(hub: "hub-a.azure-devices.net"),
                                 initialPayload: .object(["color": .string("blue")])),
            IndividualEnrollment(registrationID: "disabled-01", attestation: .symmetricKey(primaryKey: Self.key, secondaryKey: nil),
                                 allocation: .static(hub: "hub-a.azure-devices.net"), enabled: false),
            IndividualEnrollment(registrationID: "nohub-01", attestation: .symmetricKey(primaryKey: Self.key, secondaryKey: nil),
                                 allocation: .hashed(hubs: [])),
        ])
        configure(&configuration)
        service = ProvisioningService(configuration: configuration, clock: clock)
        let lines = logLines
        let logger = Logger(label: "https-test") { _ in CapturingLogHandler(lines: lines) }
        let recorder = HTTPSRecorder(transcript: transcript, clock: clock, connection: connection.id, logger: logger)
        try channel.pipeline.syncOperations.addHandler(SocketWriteSemantics())
        try HTTPSFrontEnd.configureHTTP(channel.pipeline.syncOperations, service: service, recorder: recorder, connection: connection)
        channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 8443)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50000)).wait()
    }

    /// Sends `bytes` in one piece, or one byte at a time.
    func send(_ bytes: [UInt8], byteByByte: Bool = false) throws {
        if byteByByte {
            for byte in bytes { try channel.writeInbound(channel.allocator.buffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        }
        channel.embeddedEventLoop.run()
    }

    func send(_ text: String, byteByByte: Bool = false) throws {
        try send(Array(text.utf8), byteByByte: byteByByte)
    }

    /// Every complete response written so far (and not yet taken).
    func responses() throws -> [HTTPResponseText] {
        while let data = try channel.readOutbound(as: IOData.self) {
            switch data {
            case .byteBuffer(var buffer): reader.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .fileRegion: continue
            }
        }
        return try reader.takeResponses()
    }

    /// Sends one request and returns the one response it gets.
    func exchange(_ request: String) throws -> HTTPResponseText {
        try send(request)
        let answers = try responses()
        guard answers.count == 1, let answer = answers.first else {
            throw HarnessFailure("expected one response, got \(answers.count)")
        }
        return answer
    }

    var isOpen: Bool { channel.isActive }

    /// A SAS token for `registrationID` under `key`, valid for an hour of the harness clock.
    func token(for registrationID: String = "device-01", key: String = HTTPSHarness.key) throws -> String {
        let expiry = Int64(clock.now().timeIntervalSince1970) + 3600
        let resource = SASToken.resourceText(idScope: Self.idScope, registrationID: registrationID, encoding: .upperHex)
        return try SASToken.create(resource: resource, keyBase64: key, expiry: expiry, keyName: "registration").text
    }

    /// A request as curl or an SDK would write it.
    static func request(_ method: String, _ target: String, body: String? = nil, headers: [(String, String)] = []) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost:8443\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            text += "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            text += "\r\n"
        }
        return text
    }

    static func registerPath(_ id: String = "device-01", apiVersion: String = "2021-06-01") -> String {
        "/\(idScope)/registrations/\(id)/register?api-version=\(apiVersion)"
    }

    static func pollPath(_ id: String = "device-01", operation: String, apiVersion: String = "2021-06-01") -> String {
        "/\(idScope)/registrations/\(id)/operations/\(operation)?api-version=\(apiVersion)"
    }

    static func lookupPath(_ id: String = "device-01", apiVersion: String = "2021-06-01") -> String {
        "/\(idScope)/registrations/\(id)?api-version=\(apiVersion)"
    }

    /// Register, then poll until the service answers 200; returns every response in order.
    func registerAndPoll(_ id: String = "device-01", apiVersion: String = "2021-06-01") throws -> [HTTPResponseText] {
        let auth = [("Authorization", try token(for: id))]
        var answers = [try exchange(Self.request("PUT", Self.registerPath(id, apiVersion: apiVersion), body: "{\"registrationId\":\"\(id)\"}", headers: auth))]
        while answers.count < 10, let last = answers.last, last.status == 202 {
            let operation = try last.jsonObject()["operationId"]?.stringValue ?? ""
            clock.advance(by: .seconds(3))
            answers.append(try exchange(Self.request("GET", Self.pollPath(id, operation: operation, apiVersion: apiVersion), headers: auth)))
        }
        return answers
    }
}

/// A socket takes no writes once closed; `EmbeddedChannel` keeps taking them. This handler, next
/// to the channel, makes the embedded channel behave like a socket in that respect.
final class SocketWriteSemantics: ChannelOutboundHandler {
    typealias OutboundIn = IOData

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard context.channel.isActive else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(data, promise: promise)
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP response as the tests read it.
struct HTTPResponseText {
    let version: String
    let status: Int
    let reason: String
    /// Header fields in order, names as sent.
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headerCount(_ name: String) -> Int {
        headers.filter { $0.name.lowercased() == name.lowercased() }.count
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(body))
    }

    func jsonObject() throws -> [String: JSONValue] {
        guard case .object(let members) = try json() else { throw HarnessFailure("body is not a JSON object: \(bodyText)") }
        return members
    }
}

/// Cuts a byte stream of HTTP/1.1 responses (Content-Length framed, as the front end writes them)
/// into responses. Deliberately independent of NIO's HTTP codec.
final class HTTPResponseReader {
    private var buffer: [UInt8] = []

    func append(_ bytes: [UInt8]) { buffer += bytes }

    func takeResponses() throws -> [HTTPResponseText] {
        var out: [HTTPResponseText] = []
        while let response = try next() { out.append(response) }
        return out
    }

    private func next() throws -> HTTPResponseText? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) else { return nil }
        let headText = String(decoding: buffer[..<end], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw HarnessFailure("bad status line in \(headText)") }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw HarnessFailure("bad header line '\(line)'") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = (100..<200).contains(status) ? 0 : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        let bodyStart = end + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeFirst(bodyStart + length)
        return HTTPResponseText(version: statusLine[0], status: status, reason: statusLine.count > 2 ? statusLine[2] : "",
                                headers: headers, body: body)
    }
}

/// Log lines the front end wrote, for the one-line-per-exchange checks.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level) \(event.message)")
    }
}
