import DPSCore

/// A request the HTTPS front end answers itself, before the service sees it: a route, method,
/// query or body the DPS device API does not accept. Each refusal has a stable `code`, the HTTP
/// status and six-digit `errorCode` it is answered with, and a `reason` for the transcript.
///
/// The real service's six-digit codes for these cases are not documented (Microsoft Learn how-to-troubleshoot-dps, error codes,
/// Microsoft Learn iot-dps); the fake uses `status * 1000 + 1`, like its other codes of its own choosing (`400001`).
struct HTTPSRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: String, Hashable, Sendable {
        /// No DPS operation at the path (404).
        case unknownRoute
        /// A DPS path with another method (405).
        case methodNotAllowed
        /// The request target cannot be read: not a path, or bad percent-encoding (400).
        case malformedTarget
        /// `api-version` missing or empty (400).
        case missingAPIVersion
        /// A register or status-lookup body that is not JSON (400).
        case bodyNotJSON
        /// A JSON body that is not a DeviceRegistration object (400).
        case bodyNotRegistration
        /// A status lookup that carries `csr` (400; OpenAPI 2025-07-01-preview `DeviceRegistration.csr`).
        case csrInStatusLookup
        /// A body over the 96 KB message limit (413).
        case bodyTooLarge
        /// No `User-Agent` header, refused only under the quirk `requireUserAgent` (400).
        case missingUserAgent
    }

    let code: Code
    let reason: String
    let requirement: RequirementID?
    /// The method the path answers to, for the `Allow` header of a 405.
    let allowedMethod: String?

    init(_ code: Code, _ reason: String, requirement: RequirementID?, allowedMethod: String? = nil) {
        self.code = code
        self.reason = reason
        self.requirement = requirement
        self.allowedMethod = allowedMethod
    }

    var status: Int {
        switch code {
        case .unknownRoute: 404
        case .methodNotAllowed: 405
        case .malformedTarget, .missingAPIVersion, .bodyNotJSON, .bodyNotRegistration, .csrInStatusLookup, .missingUserAgent: 400
        case .bodyTooLarge: 413
        }
    }

    /// The six-digit code of the error body and the `x-ms-error-code` header.
    var errorCode: Int { status * 1000 + 1 }

    /// The `message` of the error body: what a device developer needs, without echoing input.
    var message: String {
        switch code {
        case .unknownRoute: "The requested resource does not exist."
        case .methodNotAllowed: "The HTTP method is not allowed on this resource."
        case .malformedTarget: "The request URI is malformed."
        case .missingAPIVersion: "The api-version query parameter is required."
        case .bodyNotJSON: "The request body is not JSON."
        case .bodyNotRegistration: "The request body is not a DeviceRegistration."
        case .csrInStatusLookup: "A device registration status lookup must not contain csr."
        case .bodyTooLarge: "The request body exceeds the maximum message size."
        case .missingUserAgent: "The User-Agent header is required."
        }
    }

    var description: String {
        requirement.map { "\(reason) [\($0)]" } ?? reason
    }
}
