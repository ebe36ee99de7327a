import DPSCore
@testable import FakeDPS
import Foundation
import NIOCore
import Testing

/// HTTP/1.1 connection behaviour of the front end: keep-alive, pipelining, framing, size limit,
/// malformed input (RFC 9112; DPS maximum message size 96 KB, DOC-LIMITS).
@Suite("HTTPS front end: connections")
struct HTTPSConnectionTests {
    static let registerBody = #"{"registrationId":"device-01"}"#

    @Test("a request sent one byte at a time is answered exactly like one sent whole")
    func byteByByte() throws {
        let harness = try HTTPSHarness()
        try harness.send(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.registerBody,
                                              headers: [("Authorization", try harness.token())]), byteByByte: true)
        let answers = try harness.responses()
        #expect(answers.map(\.status) == [202])
        #expect(harness.isOpen)
    }

    @Test("requests pipelined in one write are answered in order on the same connection")
    func pipelining() throws {
        let harness = try HTTPSHarness()
        let auth = [("Authorization", try harness.token())]
        let batch = HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.registerBody, headers: auth)
            + HTTPSHarness.request("GET", "/nowhere?api-version=2021-06-01")
            + HTTPSHarness.request("PUT", HTTPSHarness.registerPath("nobody-01"), body: #"{"registrationId":"nobody-01"}"#,
                                   headers: [("Authorization", try harness.token(for: "nobody-01"))])
            + HTTPSHarness.request("POST", HTTPSHarness.lookupPath(), body: #"{"registrationId":"device-01"}"#, headers: auth)
        try harness.send(batch)
        let answers = try harness.responses()
        #expect(answers.map(\.status) == [202, 404, 404, 404])
        #expect(answers.map { $0.header("x-ms-error-code") } == [nil, "404001", "404201", "404201"])
        #expect(Set(answers.compactMap { $0.header("x-ms-request-id") }).count == 4, "every response has its own request id")
        #expect(harness.isOpen)
    }

    @Test("pipelined requests split at arbitrary points are still answered in order")
    func pipeliningByteByByte() throws {
        let harness = try HTTPSHarness()
        let auth = [("Authorization", try harness.token())]
        let batch = HTTPSHarness.request("GET", "/a?api-version=1") + HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.registerBody, headers: auth)
            + HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: "x")
        try harness.send(batch, byteByByte: true)
        #expect(try harness.responses().map(\.status) == [404, 202, 400])
    }

    @Test("Connection: close is honoured after the response")
    func connectionClose() throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.registerBody,
                                                                 headers: [("Authorization", try harness.token()), ("Connection", "close")]))
        #expect(response.status == 202)
        #expect(response.header("Connection") == "close")
        #expect(!harness.isOpen)
    }

    @Test("HTTP/1.0 closes by default and keeps the connection with Connection: keep-alive")
    func http10() throws {
        let closing = try HTTPSHarness()
        let request = "GET /x?api-version=1 HTTP/1.0\r\n\r\n"
        let answer = try closing.exchange(request)
        #expect(answer.version == "HTTP/1.0")
        #expect(answer.status == 404)
        #expect(!closing.isOpen)

        let keeping = try HTTPSHarness()
        let kept = try keeping.exchange("GET /x?api-version=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(kept.header("Connection") == "keep-alive")
        #expect(keeping.isOpen)
    }

    @Test("malformed HTTP is answered 400 and the connection closed, recorded as MALFORMED", arguments: [
        "this is not http\r\n\r\n",
        "PUT /a HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "PUT /a HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "PUT /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ])
    func malformed(text: String) throws {
        let harness = try HTTPSHarness()
        try harness.send(text)
        let answers = try harness.responses()
        #expect(answers.map(\.status) == [400])
        #expect(answers.first?.header("Connection") == "close")
        #expect(!harness.isOpen)
        #expect(harness.transcript.snapshot.contains { $0.transport == .https && $0.note?.requirement == .dpsHttpMsg001 })
    }

    @Test("a declared body over 96 KB is refused with 413 before it is read, and the connection closed")
    func declaredTooLarge() throws {
        let harness = try HTTPSHarness()
        try harness.send("PUT \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: x\r\nContent-Length: \(96 * 1024 + 1)\r\n\r\n{\"registrationId\":")
        let answers = try harness.responses()
        #expect(answers.map(\.status) == [413])
        #expect(answers.first?.header("x-ms-error-code") == "413001")
        #expect(answers.first?.header("Connection") == "close")
        #expect(!harness.isOpen)
        #expect(!harness.transcript.snapshot.contains { if case .malformed? = $0.note { true } else { false } }, "the unread rest of the body is not a malformed message")
    }

    @Test("a body of exactly 96 KB is accepted")
    func exactlyAtLimit() throws {
        let harness = try HTTPSHarness()
        let prefix = #"{"registrationId":"device-01","payload":{"pad":""#
        let suffix = "\"}}"
        let body = prefix + String(repeating: "a", count: 96 * 1024 - prefix.utf8.count - suffix.utf8.count) + suffix
        #expect(body.utf8.count == 96 * 1024)
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: body,
                                                                 headers: [("Authorization", try harness.token())]))
        #expect(response.status == 202)
    }

    @Test("a chunked body that grows over 96 KB is refused with 413 when it crosses the limit")
    func chunkedTooLarge() throws {
        let harness = try HTTPSHarness()
        try harness.send("PUT \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "a", count: 16 * 1024)
        for _ in 0..<6 { try harness.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") }
        #expect(try harness.responses().isEmpty, "96 KB exactly is still within the limit")
        try harness.send("1\r\na\r\n")
        let answers = try harness.responses()
        #expect(answers.map(\.status) == [413])
        #expect(!harness.isOpen)
    }

    @Test("Expect: 100-continue is answered 100 Continue, then the final response")
    func expectContinue() throws {
        let harness = try HTTPSHarness()
        try harness.send("PUT \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                         + "Authorization: \(try harness.token())\r\nContent-Length: \(Self.registerBody.utf8.count)\r\n\r\n")
        #expect(try harness.responses().map(\.status) == [100])
        try harness.send(Self.registerBody)
        #expect(try harness.responses().map(\.status) == [202])
    }

    @Test("HEAD on a DPS path is 405 with the body's length but no body")
    func head() throws {
        let harness = try HTTPSHarness()
        try harness.send("HEAD \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: x\r\n\r\n" + HTTPSHarness.request("GET", "/y?api-version=1"))
        var out: [UInt8] = []
        while let data = try harness.channel.readOutbound(as: NIOCore.IOData.self) {
            if case .byteBuffer(var buffer) = data { out += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        }
        let text = String(decoding: out, as: UTF8.self)
        let parts = text.components(separatedBy: "HTTP/1.1 ")
        #expect(parts.count == 3, "two responses: \(text)")
        #expect(parts[1].hasPrefix("405 "))
        #expect(parts[1].hasSuffix("\r\n\r\n"), "no body after the 405 head")
        #expect(parts[2].hasPrefix("404 "))
    }
}
