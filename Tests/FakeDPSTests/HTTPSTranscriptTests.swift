import DPSCore
@testable import FakeDPS
import Foundation
import Testing

/// What the HTTPS front end records: every request and response as a `.https` wire event, with
/// SAS signatures removed before anything is recorded.
@Suite("HTTPS front end: transcript")
struct HTTPSTranscriptTests {
    @Test("each request and response is a .https event with method, target, status and raw HTTP text")
    func events() throws {
        let harness = try HTTPSHarness()
        let answers = try harness.registerAndPoll()
        let events = harness.transcript.snapshot.filter { $0.direction != .local }
        #expect(events.map { $0.httpRequest?.method ?? ($0.httpResponse != nil ? "response" : "?") } == ["PUT", "response", "GET", "response", "GET", "response"])
        #expect(events.allSatisfy { $0.transport == .https && $0.connection == "https#1" })
        #expect(events.compactMap(\.httpResponse).map(\.status) == answers.map(\.status))
        let put = events[0]
        #expect(put.direction == .toService)
        let request = try #require(put.httpRequest)
        #expect(request.target == HTTPSHarness.registerPath())
        #expect(request.route?.operation == .register)
        #expect(request.body?.text == #"{"registrationId":"device-01"}"#)
        #expect(put.exchange?.kind == .register)
        #expect(String(decoding: put.raw, as: UTF8.self).hasPrefix("PUT \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: localhost:8443\r\n"))
        let reply = events[1]
        #expect(reply.direction == .toDevice)
        #expect(reply.exchange?.requestID == put.exchange?.requestID, "the response is paired with its request")
        #expect(reply.exchange?.kind == .register)
        let rawReply = String(decoding: reply.raw, as: UTF8.self)
        #expect(rawReply.hasPrefix("HTTP/1.1 202 Accepted\r\n"))
        #expect(rawReply.contains("\r\nRetry-After: 3\r\n"))
        #expect(rawReply.hasSuffix(answers[0].bodyText))
        #expect(reply.exchange?.status == 202)
        #expect(reply.exchange?.retryAfter == "3")
        #expect(reply.exchange?.registrationState == "assigning")
    }

    @Test("the SAS signature never reaches the transcript or the log; the rest of the token does")
    func redaction() throws {
        let harness = try HTTPSHarness()
        let token = try harness.token()
        let signature = try SASToken(parsing: token).signature
        let encodedSignature = PercentEncoding.encode(signature)
        // The token also sent in a body: bodies are redacted too.
        _ = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(),
                                                      body: "{\"registrationId\":\"device-01\",\"payload\":{\"t\":\"\(token)\"}}",
                                                      headers: [("Authorization", token)]))
        _ = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: "{}", headers: [("Authorization", "Bearer s3cr3t-value")]))
        for event in harness.transcript.snapshot {
            // Every form the event is shown or stored in: its JSON encoding, raw bytes and display text.
            let texts = [String(decoding: try JSONEncoder().encode(event), as: UTF8.self), String(decoding: event.raw, as: UTF8.self), event.summary]
            for text in texts {
                #expect(!text.contains(encodedSignature) && !text.contains(signature), "signature in event \(event.sequence): \(text)")
                #expect(!text.contains("s3cr3t-value"), "credential in event \(event.sequence): \(text)")
            }
        }
        for line in harness.logLines.all {
            #expect(!line.contains(encodedSignature) && !line.contains("s3cr3t-value"))
        }
        let put = try #require(harness.transcript.snapshot.first { $0.httpRequest?.method == "PUT" })
        let raw = String(decoding: put.raw, as: UTF8.self)
        #expect(raw.contains("Authorization: SharedAccessSignature sr=0ne00HTTPS1%2Fregistrations%2Fdevice-01&sig=REDACTED&se="))
        #expect(put.httpRequest?.headers.first { $0.name == "Authorization" }?.value.contains("sig=REDACTED") == true)
        let other = try #require(harness.transcript.snapshot.last { $0.httpRequest?.method == "PUT" })
        #expect(String(decoding: other.raw, as: UTF8.self).contains("Authorization: REDACTED (19 characters)"))
    }

    @Test("refusals and attestation failures are noted with their reason and requirement")
    func notes() throws {
        let harness = try HTTPSHarness()
        _ = try harness.exchange(HTTPSHarness.request("PUT", "/0ne00HTTPS1/registrations/device-01/register", body: "{}"))
        _ = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: #"{"registrationId":"device-01"}"#,
                                                      headers: [("Authorization", try harness.token(key: HTTPSHarness.otherKey))]))
        let notes = harness.transcript.snapshot.filter { $0.direction == .local }
        #expect(notes.contains { if case .refused(400, .dpsHttpApi001?, _)? = $0.note { true } else { false } })
        #expect(notes.contains { if case .attestationRefused? = $0.note { true } else { false } })
    }

    @Test("a connection closed by the device is noted")
    func closeNoted() throws {
        let harness = try HTTPSHarness()
        _ = try harness.channel.close().wait()
        #expect(harness.transcript.snapshot.contains { $0.note == .closed(.peerClosed) })
    }
}
