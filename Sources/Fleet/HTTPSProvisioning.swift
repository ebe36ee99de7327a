import DPSCore
import NIOCore
import NIOHTTP1
import NIOSSL

/// One device's DPS exchange over HTTPS on one kept-alive connection: PUT register, then GET the
/// operation's status after exactly the retry-after given (Microsoft Learn iot-dps-https-sym-key-support).
/// A response that closes the connection (`Connection: close`) makes the next request open a new
/// one, timed as another TCP+TLS.
struct HTTPSProvisioning: Sendable {
    let settings: FleetSettings
    let group: any EventLoopGroup
    let pacer: RequestPacer?

    func provision(_ device: FleetDevice, into tally: inout FleetTally) async throws(FleetFailure) {
        // The rate limit's wait is not the service's time: the clock starts after it.
        await pacer.wait()
        let start = ContinuousClock.now
        var connection = try await open(device)
        defer { connection.close() }
        tally.record(.tcpTLS, since: start)

        let register = DPSRoute(operation: .register, idScope: settings.idScope, registrationID: device.registrationID,
                                apiVersion: APIVersion.deviceDefault)
        let body = Array(("{\"registrationId\":" + JSONText.quoted(device.registrationID) + "}").utf8)
        var (step, closes) = try await request(.register, route: register, body: body, device: device, on: connection,
                                               previousOperationID: nil, tally: &tally)
        var polls = 0
        while case .poll(let operationID, let wait) = step {
            polls += 1
            guard polls <= settings.maximumPolls else { throw FleetFailure(.notAssigned, "still assigning after \(settings.maximumPolls) polls") }
            if wait > .zero { try? await Task.sleep(for: wait) }
            if closes {
                connection.close()
                await pacer.wait()
                let reconnect = ContinuousClock.now
                connection = try await open(device)
                tally.record(.tcpTLS, since: reconnect)
            }
            let route = DPSRoute(operation: .operationStatus(operationID: operationID), idScope: settings.idScope,
                                 registrationID: device.registrationID, apiVersion: APIVersion.deviceDefault)
            (step, closes) = try await request(.poll, route: route, body: nil, device: device, on: connection,
                                               previousOperationID: operationID, tally: &tally)
        }
        tally.record(.total, since: start)
    }

    private func open(_ device: FleetDevice) async throws(FleetFailure) -> FleetConnection<FleetHTTPResponse> {
        try await FleetConnection<FleetHTTPResponse>.open(
            group: group, host: settings.host, port: settings.port, tls: device.tls, deadline: settings.deadline(),
            decoders: { pipeline in
                try pipeline.addHTTPClientHandlers()
                try pipeline.addHandler(HTTPResponseAssembler())
            })
    }

    private func request(_ phase: FleetPhase, route: DPSRoute, body: [UInt8]?, device: FleetDevice,
                         on connection: FleetConnection<FleetHTTPResponse>, previousOperationID: String?,
                         tally: inout FleetTally) async throws(FleetFailure) -> (ProvisioningStep, closes: Bool) {
        await pacer.wait()
        let start = ContinuousClock.now
        tally.requests[phase.rawValue, default: 0] += 1
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: settings.host.contains(":") ? "[\(settings.host)]" : settings.host)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: "dpsconform-fleet/1")
        if let token = device.sasToken { headers.add(name: "Authorization", value: token) }
        if let body {
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        let method: HTTPMethod = route.method == "PUT" ? .PUT : .GET
        connection.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: route.target, headers: headers)))
        if let body { connection.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        connection.send(HTTPClientRequestPart.end(nil))
        let response = try await connection.next(deadline: settings.deadline(), awaiting: "the \(phase.rawValue) response")
        tally.record(phase, since: start)
        let step = try ProvisioningStep.after(DPSAnswer(status: response.status, retryAfter: response.retryAfter, body: response.body),
                                              previousOperationID: previousOperationID, tally: &tally)
        return (step, response.closes)
    }
}
