import DPSCore
import Device
import Foundation

/// One HTTP/1.1 request of a device script, written byte for byte on a fresh TLS connection (so
/// a header can be left out or misspelt on purpose), and its response read by Content-Length or
/// chunks, or until the service closes; the whole exchange ends at the deadline.
enum ScriptHTTPExchange {
    /// The most response bytes read.
    static let limit = 256 * 1024

    /// The request's bytes: request line, the headers in order, blank line, body.
    static func requestBytes(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    static func send(_ bytes: [UInt8], endpoint: ServiceEndpoint, identity: RawTLSStream.ClientIdentity?,
                     deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> ScriptAnswer {
        guard let port = endpoint.httpsPort else { throw ScriptStepError("the endpoint has no HTTPS port") }
        let stream: RawTLSStream
        do {
            stream = try await RawTLSStream.connect(host: endpoint.host, port: port, caFile: endpoint.caFile, identity: identity,
                                                    timeout: deadline - ContinuousClock.now)
        } catch {
            throw ScriptStepError(error.reason)
        }
        let answer = await exchange(bytes, on: stream, deadline: deadline)
        await stream.close()
        return try answer.get()
    }

    private static func exchange(_ bytes: [UInt8], on stream: RawTLSStream, deadline: ContinuousClock.Instant) async -> Result<ScriptAnswer, ScriptStepError> {
        do { try await stream.send(bytes) } catch { return .failure(ScriptStepError(error.reason)) }
        var received: [UInt8] = []
        while true {
            if let response = parse(received, complete: false) { return .success(.response(response)) }
            let (more, closed) = await stream.receive(until: deadline)
            received += more
            if received.count > limit { return .failure(ScriptStepError("the response is over \(limit) bytes")) }
            if closed { return .success(parse(received, complete: true).map { .response($0) } ?? .closed) }
            if more.isEmpty, ContinuousClock.now >= deadline { return .success(.nothing(.zero)) }
        }
    }

    /// The response in `bytes` once it is whole (`complete`: the connection has closed, so a
    /// body without a length ends here); nil while more is needed.
    static func parse(_ bytes: [UInt8], complete: Bool) -> ScriptResponse? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        let headers: [(name: String, value: String)] = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
        let rest = Array(bytes[(end + separator.count)...])
        let body: [UInt8]
        if let length = header("content-length").flatMap(Int.init) {
            guard rest.count >= length else { return nil }
            body = Array(rest.prefix(length))
        } else if header("transfer-encoding")?.lowercased() == "chunked" {
            guard let decoded = dechunk(rest) else { return complete ? ScriptResponse(status: status, headers: headers, body: rest) : nil }
            body = decoded
        } else if status == 204 || status == 304 || (100..<200).contains(status) {
            body = []
        } else {
            guard complete else { return nil }
            body = rest
        }
        return ScriptResponse(status: status, headers: headers, retryAfter: header("retry-after"), body: body)
    }

    /// The body of a chunked message, or nil until its last chunk has arrived.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var body: [UInt8] = []
        var index = 0
        let crlf = Array("\r\n".utf8)
        while true {
            guard let lineEnd = (index..<bytes.count).first(where: { bytes[$0...].starts(with: crlf) }) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            index = lineEnd + 2
            if size == 0 { return body }
            guard bytes.count >= index + size + 2 else { return nil }
            body += bytes[index..<(index + size)]
            index += size + 2
        }
    }
}
