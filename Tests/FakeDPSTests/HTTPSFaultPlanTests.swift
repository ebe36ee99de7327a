import DPSCore
@testable import FakeDPS
import Foundation
import Testing

/// The service's fault plan carried out on HTTPS: injected statuses, changed answers, delays,
/// withheld answers and dropped connections, per request kind and occurrence.
@Suite("HTTPS front end: fault plans")
struct HTTPSFaultPlanTests {
    static let body = #"{"registrationId":"device-01"}"#

    static func harness(_ rules: [FaultRule]) throws -> HTTPSHarness {
        try HTTPSHarness { $0.faultPlan = FaultPlan(rules: rules) }
    }

    func register(_ harness: HTTPSHarness) throws -> HTTPResponseText {
        try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.body, headers: [("Authorization", try harness.token())]))
    }

    @Test("a 429 injected on the first register carries Retry-After and x-ms-error-code; the second register is handled")
    func throttledRegister() throws {
        let harness = try Self.harness([FaultRule(on: .register, occurrences: .nth(1), action: .respond(status: 429, retryAfter: "3", errorCode: nil, body: nil))])
        let first = try register(harness)
        #expect(first.status == 429)
        #expect(first.reason == "Too Many Requests")
        #expect(first.header("Retry-After") == "3")
        #expect(first.header("x-ms-error-code") == "429001")
        #expect(first.header("Location") == nil)
        #expect(try first.jsonObject()["errorCode"] == .integer(429001))
        #expect(try register(harness).status == 202)
    }

    @Test("retry-after values the service never sends pass through as they are: 0, non-integer, huge", arguments: ["0", "1.5", "999999"])
    func oddRetryAfter(value: String) throws {
        let harness = try Self.harness([FaultRule(on: .register, action: .modify(ResponseModification(retryAfter: value)))])
        let response = try register(harness)
        #expect(response.status == 202)
        #expect(response.header("Retry-After") == value)
    }

    @Test("a modified poll answer: operationId removed and unknown fields added")
    func modifiedPoll() throws {
        let harness = try Self.harness([FaultRule(on: .poll, action: .modify(ResponseModification(omitOperationID: true, extraFields: ["surprise": .bool(true)])))])
        let registered = try register(harness)
        let operation = try #require(try registered.jsonObject()["operationId"]?.stringValue)
        let poll = try harness.exchange(HTTPSHarness.request("GET", HTTPSHarness.pollPath(operation: operation), headers: [("Authorization", try harness.token())]))
        let body = try poll.jsonObject()
        #expect(body["operationId"] == nil)
        #expect(body["surprise"] == .bool(true))
        #expect(body["status"] == .string("assigning"))
    }

    @Test("a non-JSON error body is sent as is, without x-ms-error-code, framed by its own length")
    func nonJSONBody() throws {
        let harness = try Self.harness([FaultRule(on: .statusLookup, action: .respond(status: 503, retryAfter: nil, errorCode: nil, body: "<html>busy</html>"))])
        let response = try harness.exchange(HTTPSHarness.request("POST", HTTPSHarness.lookupPath(), body: Self.body, headers: [("Authorization", try harness.token())]))
        #expect(response.status == 503)
        #expect(response.bodyText == "<html>busy</html>")
        #expect(response.header("x-ms-error-code") == nil)
        #expect(response.header("Retry-After") == nil)
    }

    @Test("a truncated body keeps its Content-Length honest")
    func truncated() throws {
        let harness = try Self.harness([FaultRule(on: .register, action: .modify(ResponseModification(truncateTo: 10)))])
        let response = try register(harness)
        #expect(response.body.count == 10)
        #expect(response.header("Content-Length") == "10")
    }

    @Test("no response: the request is handled but never answered, and requests behind it wait")
    func noResponse() throws {
        let harness = try Self.harness([FaultRule(on: .register, occurrences: .nth(1), action: .noResponse)])
        try harness.send(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.body, headers: [("Authorization", try harness.token())])
                         + HTTPSHarness.request("GET", "/elsewhere?api-version=1"))
        #expect(try harness.responses().isEmpty)
        #expect(harness.isOpen)
        #expect(harness.transcript.snapshot.contains { $0.note == .fault(.responseWithheld(status: 202)) })
    }

    @Test("a dropped connection closes without an answer")
    func dropped() throws {
        let harness = try Self.harness([FaultRule(on: .register, action: .dropConnection(afterAcknowledging: false))])
        try harness.send(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: Self.body, headers: [("Authorization", try harness.token())]))
        #expect(try harness.responses().isEmpty)
        #expect(!harness.isOpen)
    }

    @Test("a delayed answer comes after the delay in clock time (no wall time on the virtual clock)")
    func delayed() throws {
        let harness = try Self.harness([FaultRule(on: .register, action: .delay(.seconds(40)))])
        let before = harness.clock.now()
        let response = try register(harness)
        #expect(response.status == 202)
        #expect(harness.clock.now().timeIntervalSince(before) == 40)
    }

    @Test("the fault applies only to its device and occurrence")
    func scoped() throws {
        let harness = try Self.harness([FaultRule(on: .register, occurrences: .from(2), registrationID: "device-01",
                                                  action: .respond(status: 500, retryAfter: nil, errorCode: 500123, body: nil))])
        #expect(try register(harness).status == 202)
        let second = try register(harness)
        #expect(second.status == 500)
        #expect(second.header("x-ms-error-code") == "500123")
        let other = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath("disabled-01"), body: #"{"registrationId":"disabled-01"}"#,
                                                              headers: [("Authorization", try harness.token(for: "disabled-01"))]))
        #expect(other.status == 200)
    }
}
