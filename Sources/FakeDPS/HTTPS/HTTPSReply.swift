import DPSCore
import Foundation
import NIOHTTP1

/// One HTTP response of the front end before it is written: status, headers in order, body.
/// Built from the service's `ServiceResponse` or from a front-end refusal, with the headers the
/// real service sends (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices, Microsoft Learn iot-dps-https-sym-key-support capture; OpenAPI response headers).
struct HTTPSReply {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static let contentType = "application/json; charset=utf-8"

    /// The service's answer. `Retry-After` whenever the service gives one (202, and 429/503 from
    /// throttling or faults), `Location` (the register URL) on 202, and on failures
    /// `x-ms-error-code` with the body's six-digit code.
    static func answer(_ response: ServiceResponse, route: HTTPSRoute, authority: String, requestID: String) -> HTTPSReply {
        var headers = baseHeaders(bodySize: response.body.count, requestID: requestID)
        if let retryAfter = response.retryAfter, isHeaderSafe(retryAfter) {
            headers.append(("Retry-After", retryAfter))
        }
        if response.status == 202 {
            headers.append(("Location", "https://\(authority)" + HTTPSRoute.registerPath(idScope: route.identity.idScope, registrationID: route.identity.registrationID)))
        }
        if response.status >= 400, let code = errorCode(in: response.body) {
            headers.append(("x-ms-error-code", String(code)))
        }
        return HTTPSReply(status: response.status, headers: headers, body: response.body)
    }

    /// A refusal of the front end, with a ProvisioningServiceErrorDetails body.
    static func refusal(_ refusal: HTTPSRefusal, at now: Date, requestID: String) -> HTTPSReply {
        let details = ProvisioningServiceErrorDetails(errorCode: refusal.errorCode, trackingId: UUID().uuidString.lowercased(),
                                                      message: refusal.message, timestampUtc: DPSTimestamp.string(from: now))
        let body = JSONText.encode(details)
        var headers = baseHeaders(bodySize: body.count, requestID: requestID)
        if let allowed = refusal.allowedMethod {
            headers.append(("Allow", allowed))
        }
        headers.append(("x-ms-error-code", String(refusal.errorCode)))
        return HTTPSReply(status: refusal.status, headers: headers, body: body)
    }

    /// The response head for `version`, with `Connection` saying whether the connection stays open.
    func head(version: HTTPVersion, keepAlive: Bool) -> HTTPResponseHead {
        var fields = HTTPHeaders(headers.map { ($0.name, $0.value) })
        if !keepAlive {
            fields.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            fields.add(name: "Connection", value: "keep-alive")
        }
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: fields)
    }

    private static func baseHeaders(bodySize: Int, requestID: String) -> [(name: String, value: String)] {
        [("Content-Type", contentType), ("Content-Length", String(bodySize)), ("x-ms-request-id", requestID)]
    }

    /// The six-digit code of an error body, when the body is one (fault plans may send others).
    private static func errorCode(in body: [UInt8]) -> Int? {
        (try? JSONText.decode(ProvisioningServiceErrorDetails.self, from: body, what: "error body"))?.errorCode
    }

    /// A header value must not contain control characters (RFC 9110 §5.5).
    private static func isHeaderSafe(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F }
    }
}
