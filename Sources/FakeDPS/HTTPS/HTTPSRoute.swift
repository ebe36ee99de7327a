import DPSCore

/// A device request recognised from an HTTP method and request target: the three operations of the
/// DPS device runtime API (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices; the OpenAPI description's paths), with its path
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
    /// register URL, Microsoft Learn iot-dps-https-sym-key-support capture).
    static func registerPath(idScope: String, registrationID: String) -> String {
        DPSRoute.registerPath(idScope: idScope, registrationID: registrationID)
    }

    /// Recognises `method` and `target` with DPSCore's route grammar; a target that names no
    /// operation becomes the refusal the front end answers with.
    static func resolve(method: String, target: String) throws(HTTPSRefusal) -> HTTPSRoute {
        try resolve(Result { () throws(DPSRouteError) in try DPSRoute(method: method, target: target) })
    }

    /// The same, from a route already resolved by DPSCore's grammar.
    static func resolve(_ resolved: Result<DPSRoute, DPSRouteError>) throws(HTTPSRefusal) -> HTTPSRoute {
        do throws(DPSRouteError) {
            let route = try resolved.get()
            return HTTPSRoute(operation: Operation(route.operation), identity: DeviceIdentity(idScope: route.idScope,
                              registrationID: route.registrationID, apiVersion: route.apiVersion))
        } catch {
            let code: HTTPSRefusal.Code = switch error.code {
            case .unknownRoute: .unknownRoute
            case .methodNotAllowed: .methodNotAllowed
            case .malformedTarget: .malformedTarget
            case .missingAPIVersion: .missingAPIVersion
            }
            throw HTTPSRefusal(code, error.reason, requirement: error.requirement, allowedMethod: error.allowedMethod)
        }
    }
}

extension HTTPSRoute.Operation {
    init(_ operation: DPSRoute.Operation) {
        switch operation {
        case .register: self = .register
        case .operationStatus(let id): self = .operationStatus(operationID: id)
        case .statusLookup: self = .statusLookup
        }
    }
}
