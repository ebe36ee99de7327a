import DPSCore
import Device

extension ScriptExecutor {
    /// A register, poll or status lookup over HTTPS, as the DPS device API describes it (DPS
    /// OpenAPI description, paths): the route with api-version, JSON headers, the device's SAS
    /// token (none with a certificate). No `User-Agent`: a script adds one with `request:`.
    func https(method: String, operation: DPSRoute.Operation, body: String?, state: ScriptState,
               deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> ScriptAnswer {
        let route = DPSRoute(operation: operation, idScope: endpoint.idScope, registrationID: credentials.registrationID,
                             apiVersion: APIVersion.deviceDefault)
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json; charset=utf-8")) }
        var request = HTTPRequestAction(method: method, path: route.target, headers: headers, body: body)
        if credentials.symmetricKey != nil { request.sas = SASForm() }
        return try await send(request, state: state, rid: nil, deadline: deadline, resolved: true)
    }

    /// Sends `request` with its placeholders filled in (unless `resolved`), adding `Host` and
    /// `Content-Length` when the script did not give them.
    func send(_ request: HTTPRequestAction, state: ScriptState, rid: String?, deadline: ContinuousClock.Instant,
              resolved: Bool = false) async throws(ScriptStepError) -> ScriptAnswer {
        func fill(_ text: String) throws(ScriptStepError) -> String { resolved ? text : try state.resolve(text, rid: rid) }
        var headers: [(name: String, value: String)] = []
        for header in request.headers { headers.append((header.name, try fill(header.value))) }
        let given = Set(headers.map { $0.name.lowercased() })
        let port = endpoint.httpsPort.map { $0 == 443 ? "" : ":\($0)" } ?? ""
        if !given.contains("host") { headers.insert(("Host", endpoint.host + port), at: 0) }
        if let form = request.sas, !given.contains("authorization") {
            headers.append(("Authorization", try sasToken(form, state: state)))
        }
        var body: [UInt8]?
        if let text = request.body { body = Array(try fill(text).utf8) }
        if let body, !given.contains("content-length") { headers.append(("Content-Length", String(body.count))) }
        let bytes = ScriptHTTPExchange.requestBytes(method: request.method, target: try fill(request.path), headers: headers, body: body)
        return try await ScriptHTTPExchange.send(bytes, endpoint: endpoint, identity: credentials.identity, deadline: deadline)
    }
}
