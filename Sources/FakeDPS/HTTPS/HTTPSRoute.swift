import DPSCore

/// A device request recognised from an HTTP method and request target: the three operations of the
/// DPS device runtime API (dps-protocol.md §3; the OpenAPI description's paths), with its path
/// segments percent-decoded and its `api-version`.
struct HTTPSRoute: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        /// `PUT /{idScope}/registrations/{registrationId}/register`
        case register
        /// `GET /{idScope}/registrations/{registrationId}/operations/{operationId}`
        case operationStatus(operationID: String)
        /// `POST /{idScope}/registrations/{registrationId}`
        case statusLookup
    }

    var operation: Operation
    var identity: DeviceIdentity

    var kind: DeviceRequestKind {
        switch operation {
        case .register: .register
        case .operationStatus: .poll
        case .statusLookup: .statusLookup
        }
    }

    /// The method each operation answers to.
    var method: String {
        switch operation {
        case .register: "PUT"
        case .operationStatus: "GET"
        case .statusLookup: "POST"
        }
    }

    /// The operation's path with the identifiers encoded again (the `Location` of a 202 names the
    /// register URL, DOC-HTTPS capture).
    static func registerPath(idScope: String, registrationID: String) -> String {
        "/\(PercentEncoding.encode(idScope))/registrations/\(PercentEncoding.encode(registrationID))/register"
    }

    /// Recognises `method` and `target` (origin-form, or absolute-form as RFC 9112 §3.2.2 requires
    /// servers to accept). Unknown paths are 404, a known path with another method 405, and a
    /// missing or empty `api-version` 400 (the OpenAPI `ApiVersionParameter` is required, minLength 1).
    static func resolve(method: String, target: String) throws(HTTPSRefusal) -> HTTPSRoute {
        let (path, query) = split(originForm(target))
        guard path.hasPrefix("/") else {
            throw HTTPSRefusal(.malformedTarget, "request target '\(target)' is not a path", requirement: "DPS-HTTP-ROUTE-001")
        }
        let rawSegments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var segments: [String] = []
        for raw in rawSegments {
            do {
                segments.append(try PercentEncoding.decode(raw))
            } catch {
                throw HTTPSRefusal(.malformedTarget, "path segment '\(raw)' is not valid percent-encoding", requirement: "DPS-HTTP-ROUTE-001")
            }
        }
        guard let (operation, idScope, registrationID) = match(segments) else {
            throw HTTPSRefusal(.unknownRoute, "no DPS operation at \(path)", requirement: "DPS-HTTP-ROUTE-001")
        }
        let route = HTTPSRoute(operation: operation, identity: DeviceIdentity(idScope: idScope, registrationID: registrationID, apiVersion: ""))
        guard method == route.method else {
            throw HTTPSRefusal(.methodNotAllowed, "\(method) is not allowed on \(path); the operation there is \(route.method)",
                               requirement: "DPS-HTTP-ROUTE-001", allowedMethod: route.method)
        }
        guard let apiVersion = try queryValue("api-version", in: query), !apiVersion.isEmpty else {
            throw HTTPSRefusal(.missingAPIVersion, "the api-version query parameter is missing or empty", requirement: "DPS-HTTP-API-001")
        }
        var resolved = route
        resolved.identity.apiVersion = apiVersion
        return resolved
    }

    /// Path segments to an operation. The literal segments are matched case-insensitively; the
    /// identifiers must not be empty.
    private static func match(_ segments: [String]) -> (Operation, String, String)? {
        guard segments.count >= 3, segments[1].lowercased() == "registrations", !segments[0].isEmpty, !segments[2].isEmpty else { return nil }
        switch segments.count {
        case 3:
            return (.statusLookup, segments[0], segments[2])
        case 4 where segments[3].lowercased() == "register":
            return (.register, segments[0], segments[2])
        case 5 where segments[3].lowercased() == "operations" && !segments[4].isEmpty:
            return (.operationStatus(operationID: segments[4]), segments[0], segments[2])
        default:
            return nil
        }
    }

    /// The path and query of an absolute-form target (`https://host/path?query`), or `target` itself.
    private static func originForm(_ target: String) -> Substring {
        let lower = target.lowercased()
        for scheme in ["https://", "http://"] where lower.hasPrefix(scheme) {
            let afterScheme = target.dropFirst(scheme.count)
            guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let rest = afterScheme[slash...]
            return rest.hasPrefix("?") ? Substring("/" + rest) : rest
        }
        return Substring(target)
    }

    private static func split(_ target: Substring) -> (path: Substring, query: Substring) {
        let withoutFragment = target.prefix { $0 != "#" }
        guard let mark = withoutFragment.firstIndex(of: "?") else { return (withoutFragment, "") }
        return (withoutFragment[..<mark], withoutFragment[withoutFragment.index(after: mark)...])
    }

    /// The first value of `name` in an `application/x-www-form-urlencoded` query; names compare
    /// case-insensitively. Other parameters (NODE's `forceRegistration=true`) are ignored.
    private static func queryValue(_ name: String, in query: Substring) throws(HTTPSRefusal) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = (try? PercentEncoding.decode(String(parts[0]).replacingPlus())) ?? String(parts[0])
            guard key.lowercased() == name else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            do {
                return try PercentEncoding.decode(raw.replacingPlus())
            } catch {
                throw HTTPSRefusal(.malformedTarget, "query parameter \(name) is not valid percent-encoding", requirement: "DPS-HTTP-API-001")
            }
        }
        return nil
    }
}

extension String {
    /// Form encoding writes a space as `+`.
    fileprivate func replacingPlus() -> String {
        String(map { $0 == "+" ? " " : $0 })
    }
}
