/// The HTTPS routes of the DPS device runtime API, parsed and built in one place for the fake,
/// the device and the checks (DPS OpenAPI description, paths; Microsoft Learn
/// iot-dps-https-sym-key-support): register, operation status, device registration status lookup.
public struct DPSRoute: Sendable, Hashable, Codable {
    public enum Operation: Sendable, Hashable, Codable {
        /// `PUT /{idScope}/registrations/{registrationId}/register`
        case register
        /// `GET /{idScope}/registrations/{registrationId}/operations/{operationId}`
        case operationStatus(operationID: String)
        /// `POST /{idScope}/registrations/{registrationId}`
        case statusLookup
    }

    public var operation: Operation
    /// Path segments percent-decoded.
    public var idScope: String
    public var registrationID: String
    public var apiVersion: String

    public init(operation: Operation, idScope: String, registrationID: String, apiVersion: String) {
        self.operation = operation
        self.idScope = idScope
        self.registrationID = registrationID
        self.apiVersion = apiVersion
    }

    public var kind: DeviceRequestKind {
        switch operation {
        case .register: .register
        case .operationStatus: .poll
        case .statusLookup: .statusLookup
        }
    }

    /// The method each operation answers to.
    public var method: String {
        switch operation {
        case .register: "PUT"
        case .operationStatus: "GET"
        case .statusLookup: "POST"
        }
    }

    /// The polled operation, for an operation-status route.
    public var operationID: String? {
        if case .operationStatus(let id) = operation { return id }
        return nil
    }

    /// The origin-form target: path segments percent-encoded, then `?api-version=`.
    public var target: String {
        var path = "/" + PercentEncoding.encode(idScope) + "/registrations/" + PercentEncoding.encode(registrationID)
        switch operation {
        case .register: path += "/register"
        case .operationStatus(let id): path += "/operations/" + PercentEncoding.encode(id)
        case .statusLookup: break
        }
        return path + "?api-version=" + PercentEncoding.encode(apiVersion)
    }

    /// The register path without a query (the `Location` of a 202 names it).
    public static func registerPath(idScope: String, registrationID: String) -> String {
        "/\(PercentEncoding.encode(idScope))/registrations/\(PercentEncoding.encode(registrationID))/register"
    }

    /// Recognises `method` and `target` (origin-form, or absolute-form as RFC 9112 section 3.2.2
    /// requires servers to accept). Literal segments match case-insensitively; identifiers must
    /// not be empty; `api-version` is required and non-empty (OpenAPI `ApiVersionParameter`).
    public init(method: String, target: String) throws(DPSRouteError) {
        let (path, query) = Self.split(Self.originForm(target))
        guard path.hasPrefix("/") else {
            throw DPSRouteError(.malformedTarget, "request target '\(Redaction.text(target))' is not a path")
        }
        var segments: [String] = []
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            do {
                segments.append(try PercentEncoding.decode(String(raw)))
            } catch {
                throw DPSRouteError(.malformedTarget, "path segment '\(raw)' is not valid percent-encoding")
            }
        }
        guard let (operation, idScope, registrationID) = Self.match(segments) else {
            throw DPSRouteError(.unknownRoute, "no DPS operation at \(path)")
        }
        let route = DPSRoute(operation: operation, idScope: idScope, registrationID: registrationID, apiVersion: "")
        guard method == route.method else {
            throw DPSRouteError(.methodNotAllowed, "\(method) is not allowed on \(path); the operation there is \(route.method)",
                                allowedMethod: route.method)
        }
        guard let apiVersion = try Self.queryValue("api-version", in: query), !apiVersion.isEmpty else {
            throw DPSRouteError(.missingAPIVersion, "the api-version query parameter is missing or empty")
        }
        self = route
        self.apiVersion = apiVersion
    }

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
    /// case-insensitively. Other parameters (`forceRegistration=true`) are ignored.
    private static func queryValue(_ name: String, in query: Substring) throws(DPSRouteError) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = (try? PercentEncoding.decode(plusAsSpace(String(parts[0])))) ?? String(parts[0])
            guard key.lowercased() == name else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            do {
                return try PercentEncoding.decode(plusAsSpace(raw))
            } catch {
                throw DPSRouteError(.malformedTarget, "query parameter \(name) is not valid percent-encoding", requirement: .dpsHttpApi001)
            }
        }
        return nil
    }

    /// Form encoding writes a space as `+`.
    private static func plusAsSpace(_ text: String) -> String {
        String(text.map { $0 == "+" ? " " : $0 })
    }
}

/// Why a method and target name no DPS operation.
public struct DPSRouteError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// No DPS operation at the path (404).
        case unknownRoute
        /// A DPS path with another method (405).
        case methodNotAllowed
        /// Not a path, or bad percent-encoding (400).
        case malformedTarget
        /// `api-version` missing or empty (400).
        case missingAPIVersion
    }

    public let code: Code
    public let reason: String
    public let requirement: RequirementID
    /// The method the path answers to, for the `Allow` header of a 405.
    public let allowedMethod: String?

    public init(_ code: Code, _ reason: String, requirement: RequirementID? = nil, allowedMethod: String? = nil) {
        self.code = code
        self.reason = reason
        self.requirement = requirement ?? (code == .missingAPIVersion ? .dpsHttpApi001 : .dpsHttpRoute001)
        self.allowedMethod = allowedMethod
    }

    public var description: String { "\(reason) [\(requirement)]" }
}
