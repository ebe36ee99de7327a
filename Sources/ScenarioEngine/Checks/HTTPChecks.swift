import DPSCore
import Foundation

/// HTTPS request rules of the DPS device API (DPS OpenAPI description: paths, api-version, body;
/// RFC 9112), read from the typed HTTP request records.
enum HTTPChecks {
    static let all: [any ConformanceCheck] = [route, apiVersion, registrationBody, bodySize, lookupWithoutCSR, wellFormed]

    /// A rule over every request the device sent: `broken` says how one request breaks it.
    static func everyRequest(_ requirement: RequirementID, expected: String,
                             broken: @escaping @Sendable (HTTPRequestRecord) -> String?) -> TranscriptCheck {
        TranscriptCheck(requirement, on: [.https]) { context in
            let requests = context.view.httpRequests
            guard !requests.isEmpty else { return .skip("the device sent no HTTP request") }
            for item in requests {
                if let why = broken(item.request) { return .fail([expected], why, [item.event.sequence]) }
            }
            return .pass([expected], "\(requests.count) request(s) hold", requests.map(\.event.sequence))
        }
    }

    /// DPS-HTTP-ROUTE-001: each request names a DPS operation with its method.
    static let route = everyRequest(.dpsHttpRoute001, expected: "PUT .../register, GET .../operations/{id} or POST /{idScope}/registrations/{id}") { request in
        guard let error = request.routeError, error.requirement == .dpsHttpRoute001 else { return nil }
        return "\(request.method) \(request.target): \(error.reason)"
    }

    /// DPS-HTTP-API-001: each request carries a non-empty api-version.
    static let apiVersion = everyRequest(.dpsHttpApi001, expected: "a non-empty api-version query parameter") { request in
        guard let error = request.routeError, error.requirement == .dpsHttpApi001 else { return nil }
        return "\(request.method) \(request.target) has no api-version"
    }

    /// DPS-HTTP-BODY-001: register and status-lookup bodies are a JSON DeviceRegistration object.
    static let registrationBody = everyRequest(.dpsHttpBody001, expected: "a JSON DeviceRegistration body on register and status lookup") { request in
        guard let route = request.route, route.kind != .poll, request.bodyWasRead else { return nil }
        guard let body = request.body else { return "\(request.method) \(request.target) has no body" }
        guard !body.truncated else { return nil }
        guard (try? JSONText.decode(DeviceRegistration.self, from: body.bytes, what: "body")) != nil else {
            return "the \(route.kind.rawValue) body is not a DeviceRegistration object: '\(body.text.prefix(80))'"
        }
        return nil
    }

    /// DPS-HTTP-BODY-002: no request body over 96 KB.
    static let bodySize = everyRequest(.dpsHttpBody002, expected: "bodies of at most \(DPSLimits.maximumMessageBytes) bytes") { request in
        request.bodySize > DPSLimits.maximumMessageBytes ? "a body of \(request.bodySize) bytes" : nil
    }

    /// DPS-HTTP-LOOKUP-001: a status-lookup body carries no csr.
    static let lookupWithoutCSR = TranscriptCheck(.dpsHttpLookup001, on: [.https]) { context in
        let lookups = context.view.httpRequests.filter { $0.request.route?.kind == .statusLookup }
        guard !lookups.isEmpty else { return .skip("the device made no status lookup") }
        let expected = ["no csr in a status-lookup body"]
        for item in lookups {
            guard let body = item.request.body, !body.truncated,
                  let registration = try? JSONText.decode(DeviceRegistration.self, from: body.bytes, what: "body") else { continue }
            if registration.csr != nil { return .fail(expected, "the status lookup carries csr", [item.event.sequence]) }
        }
        return .pass(expected, "\(lookups.count) lookup(s) without csr", lookups.map(\.event.sequence))
    }

    /// DPS-HTTP-MSG-001: requests are well-formed HTTP/1.1 (what the service's parser refused is
    /// recorded as a malformed-message note).
    static let wellFormed = TranscriptCheck(.dpsHttpMsg001, on: [.https]) { context in
        let expected = ["well-formed HTTP/1.1 requests"]
        if let refused = context.view.violation(of: .dpsHttpMsg001) {
            return .fail(expected, refused.event.summary, [refused.event.sequence])
        }
        let requests = context.view.httpRequests
        return requests.isEmpty ? .skip("the device sent no HTTP request") : .pass(expected, "\(requests.count) request(s) parsed as HTTP/1.1")
    }
}
