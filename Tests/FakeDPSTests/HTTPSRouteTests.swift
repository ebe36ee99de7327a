import DPSCore
@testable import FakeDPS
import Testing

/// Recognising the three DPS device operations from a method and request target (dps-protocol.md §3).
@Suite("HTTPS front end: routes")
struct HTTPSRouteTests {
    @Test("PUT register, GET operation status and POST status lookup are recognised with their identity")
    func threeOperations() throws {
        let register = try HTTPSRoute.resolve(method: "PUT", target: "/0neFEEDC0DE/registrations/my-device/register?api-version=2021-06-01")
        #expect(register.operation == .register)
        #expect(register.identity == DeviceIdentity(idScope: "0neFEEDC0DE", registrationID: "my-device", apiVersion: "2021-06-01"))
        #expect(register.kind == .register)

        let poll = try HTTPSRoute.resolve(method: "GET", target: "/0neFEEDC0DE/registrations/my-device/operations/4.d0a671905ea5b2c8.e7173b7b-0e54-4aa0-9d20-aeb1b89e6c7d?api-version=2019-03-31")
        #expect(poll.operation == .operationStatus(operationID: "4.d0a671905ea5b2c8.e7173b7b-0e54-4aa0-9d20-aeb1b89e6c7d"))
        #expect(poll.identity.apiVersion == "2019-03-31")
        #expect(poll.kind == .poll)

        let lookup = try HTTPSRoute.resolve(method: "POST", target: "/0neFEEDC0DE/registrations/my-device?api-version=2025-07-01-preview")
        #expect(lookup.operation == .statusLookup)
        #expect(lookup.identity.apiVersion == "2025-07-01-preview")
        #expect(lookup.kind == .statusLookup)
    }

    @Test("path segments are percent-decoded, either hex case")
    func percentDecoding() throws {
        let route = try HTTPSRoute.resolve(method: "GET", target: "/0ne%2D0001/registrations/dev%3aice.%5F1/operations/op%2Fid?api-version=2021-06-01")
        #expect(route.identity.idScope == "0ne-0001")
        #expect(route.identity.registrationID == "dev:ice._1")
        #expect(route.operation == .operationStatus(operationID: "op/id"))
    }

    @Test("other query parameters (NODE's forceRegistration) are ignored; api-version may come anywhere, form-encoded")
    func queryParameters() throws {
        let route = try HTTPSRoute.resolve(method: "PUT", target: "/s/registrations/r/register?forceRegistration=true&API-Version=2021%2D06%2D01")
        #expect(route.identity.apiVersion == "2021-06-01")
    }

    @Test("absolute-form targets are accepted (RFC 9112 §3.2.2)")
    func absoluteForm() throws {
        let route = try HTTPSRoute.resolve(method: "PUT", target: "https://localhost:8443/s/registrations/r/register?api-version=2021-06-01")
        #expect(route.identity == DeviceIdentity(idScope: "s", registrationID: "r", apiVersion: "2021-06-01"))
    }

    @Test("literal segments match without regard to case")
    func literalCase() throws {
        let route = try HTTPSRoute.resolve(method: "PUT", target: "/s/Registrations/r/REGISTER?api-version=1")
        #expect(route.operation == .register)
    }

    @Test("unknown paths are 404", arguments: [
        "/", "/s", "/s/registrations", "/s/registrations/", "//registrations/r/register", "/s/registrations/r/register/",
        "/s/registrations/r/operations", "/s/registrations/r/operations/", "/s/devices/r/register", "/s/registrations/r/unknown",
        "/s/registrations/r/operations/o/extra",
    ])
    func unknownRoute(target: String) {
        #expect(refusal(method: "PUT", target: target + "?api-version=2021-06-01") == .unknownRoute)
        #expect(refusal(method: "GET", target: target + "?api-version=2021-06-01") == .unknownRoute)
    }

    @Test("a known path with another method is 405 naming the allowed one")
    func wrongMethod() {
        for (method, target, allowed) in [("GET", "/s/registrations/r/register", "PUT"), ("POST", "/s/registrations/r/register", "PUT"),
                                          ("PUT", "/s/registrations/r/operations/o", "GET"), ("GET", "/s/registrations/r", "POST"),
                                          ("DELETE", "/s/registrations/r", "POST"), ("put", "/s/registrations/r/register", "PUT")] {
            do {
                _ = try HTTPSRoute.resolve(method: method, target: target + "?api-version=2021-06-01")
                Issue.record("\(method) \(target) was accepted")
            } catch {
                #expect(error.code == .methodNotAllowed)
                #expect(error.status == 405)
                #expect(error.allowedMethod == allowed)
            }
        }
    }

    @Test("api-version missing or empty is 400 (DPS-HTTP-API-001)", arguments: [
        "/s/registrations/r/register", "/s/registrations/r/register?", "/s/registrations/r/register?api-version=",
        "/s/registrations/r/register?api-version", "/s/registrations/r/register?apiversion=2021-06-01",
    ])
    func missingAPIVersion(target: String) throws {
        do {
            _ = try HTTPSRoute.resolve(method: "PUT", target: target)
            Issue.record("\(target) was accepted")
        } catch {
            #expect(error.code == .missingAPIVersion)
            #expect(error.status == 400)
            #expect(error.errorCode == 400001)
            #expect(error.requirement == .dpsHttpApi001)
        }
    }

    @Test("bad percent-encoding and non-path targets are 400")
    func malformed() {
        #expect(refusal(method: "PUT", target: "/s/registrations/r%zz/register?api-version=1") == .malformedTarget)
        #expect(refusal(method: "PUT", target: "/s/registrations/r%C3/register?api-version=1") == .malformedTarget)
        #expect(refusal(method: "PUT", target: "*") == .malformedTarget)
        #expect(refusal(method: "PUT", target: "/s/registrations/r/register?api-version=%G1") == .malformedTarget)
    }

    @Test("refusals carry the documented status and a six-digit code whose first three digits are the status")
    func refusalCodes() {
        let expected: [(HTTPSRefusal.Code, Int, Int)] = [
            (.unknownRoute, 404, 404001), (.methodNotAllowed, 405, 405001), (.malformedTarget, 400, 400001),
            (.missingAPIVersion, 400, 400001), (.bodyNotJSON, 400, 400001), (.bodyNotRegistration, 400, 400001),
            (.csrInStatusLookup, 400, 400001), (.bodyTooLarge, 413, 413001),
        ]
        for (code, status, errorCode) in expected {
            let refusal = HTTPSRefusal(code, "x", requirement: nil)
            #expect(refusal.status == status, "\(code)")
            #expect(refusal.errorCode == errorCode, "\(code)")
        }
    }

    @Test("the Location path re-encodes the identifiers")
    func registerPath() {
        #expect(HTTPSRoute.registerPath(idScope: "0ne00111111", registrationID: "my-symkey-device") == "/0ne00111111/registrations/my-symkey-device/register")
        #expect(HTTPSRoute.registerPath(idScope: "s", registrationID: "a:b/c") == "/s/registrations/a%3Ab%2Fc/register")
    }

    private func refusal(method: String, target: String) -> HTTPSRefusal.Code? {
        do {
            _ = try HTTPSRoute.resolve(method: method, target: target)
            return nil
        } catch {
            return error.code
        }
    }
}
