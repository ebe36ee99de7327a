import DPSCore
import Device
import Foundation
import Synchronization

/// A scripted stand-in for DPS under the transport seam: each request gets the next scripted
/// step, and everything the client did is recorded with its clock time. One script serves every
/// connection the client opens, so reconnects are visible.
final class ScriptedService: Sendable {
    enum Step: Sendable {
        case respond(ServiceResponse)
        case fail(TransportError)
    }

    struct Sent: Sendable {
        let time: Date
        let connection: Int
        let request: OutgoingRequest
    }

    private struct State {
        var steps: [Step]
        /// Used when the script runs out.
        var fallback: Step
        var openFailures: [TransportError]
        var sent: [Sent] = []
        var opens: [(time: Date, credentials: TransportCredentials)] = []
        var closes = 0
        var abandons = 0
    }

    let clock: VirtualClock
    private let state: Mutex<State>
    private let onOpen: (@Sendable (TransportCredentials) -> Void)?

    init(clock: VirtualClock, steps: [Step], fallback: Step = .respond(Reply.assigning()), openFailures: [TransportError] = [],
         onOpen: (@Sendable (TransportCredentials) -> Void)? = nil) {
        self.clock = clock
        self.state = Mutex(State(steps: steps, fallback: fallback, openFailures: openFailures))
        self.onOpen = onOpen
    }

    func transport() -> any ProvisioningTransport { ScriptedTransport(service: self) }

    var sent: [Sent] { state.withLock { $0.sent } }
    var opens: [(time: Date, credentials: TransportCredentials)] { state.withLock { $0.opens } }
    var closes: Int { state.withLock { $0.closes } }
    var abandons: Int { state.withLock { $0.abandons } }

    /// Seconds between consecutive requests, in clock time.
    var gaps: [Double] {
        let times = sent.map(\.time)
        return zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }
    }

    fileprivate func open(_ credentials: TransportCredentials) throws(TransportError) -> Int {
        let failure: TransportError? = state.withLock { state in
            if !state.openFailures.isEmpty { return state.openFailures.removeFirst() }
            state.opens.append((clock.now(), credentials))
            return nil
        }
        if let failure { throw failure }
        onOpen?(credentials)
        return opens.count
    }

    fileprivate func next(_ request: OutgoingRequest, connection: Int) -> Step {
        state.withLock { state in
            state.sent.append(Sent(time: clock.now(), connection: connection, request: request))
            return state.steps.isEmpty ? state.fallback : state.steps.removeFirst()
        }
    }

    fileprivate func closed(abandoned: Bool) {
        state.withLock { abandoned ? ($0.abandons += 1) : ($0.closes += 1) }
    }
}

/// One connection to the scripted service.
final class ScriptedTransport: ProvisioningTransport {
    private let service: ScriptedService
    private let connection = Mutex(0)

    init(service: ScriptedService) {
        self.service = service
    }

    func open(credentials: TransportCredentials, timeout: Duration) async throws(TransportError) {
        let number = try service.open(credentials)
        connection.withLock { $0 = number }
    }

    func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        switch service.next(request, connection: connection.withLock { $0 }) {
        case .respond(let response): return response
        case .fail(let error): throw error
        }
    }

    func close() async { service.closed(abandoned: false) }

    func abandon() async { service.closed(abandoned: true) }
}

/// Service replies in the shapes DPS sends (Microsoft Learn iot-dps-mqtt-support).
enum Reply {
    static let operationID = "4.d0a671905ea5b2c8.42d78160-4c78-479e-8be7-61d5e55dac0d"

    static func assigning(operationID: String? = Reply.operationID, retryAfter: String? = "3", status: Int = 202) -> ServiceResponse {
        ServiceResponse(status: status, retryAfter: retryAfter, model: RegistrationOperationStatus(operationId: operationID, status: .assigning))
    }

    static func assigned(hub: String = "hub-a.azure-devices.net", deviceID: String = "device-01", chain: [String]? = nil) -> ServiceResponse {
        var state = DeviceRegistrationResult(registrationId: "device-01", status: .assigned)
        state.assignedHub = hub
        state.deviceId = deviceID
        state.substatus = .initialAssignment
        state.issuedCertificateChain = chain
        return ServiceResponse(status: 200, model: RegistrationOperationStatus(operationId: operationID, status: .assigned, registrationState: state))
    }

    static func terminal(_ status: RegistrationStatus, errorCode: Int? = nil, message: String? = nil) -> ServiceResponse {
        var state = DeviceRegistrationResult(registrationId: "device-01", status: status)
        state.errorCode = errorCode
        state.errorMessage = message
        return ServiceResponse(status: 200, model: RegistrationOperationStatus(operationId: operationID, status: status, registrationState: state))
    }

    /// An error body: ProvisioningServiceErrorDetails, never an operationId.
    static func error(_ status: Int, errorCode: Int, retryAfter: String? = nil, message: String = "error") -> ServiceResponse {
        ServiceResponse(status: status, retryAfter: retryAfter,
                        model: ProvisioningServiceErrorDetails(errorCode: errorCode, trackingId: "8ad0463c-6427-4479-9dfa-3e8bb7003e9b",
                                                               message: message, timestampUtc: "2020-04-10T05:24:22.4718526Z"))
    }
}

/// Settings for scripted runs: a symmetric key, short timeouts.
func scriptedSettings(deadline: Duration = .seconds(120), retry: RetryPolicy = RetryPolicy()) -> ProvisioningSettings {
    ProvisioningSettings(endpoint: ServiceEndpoint(host: "dps.invalid", mqttPort: 8883, httpsPort: 443, idScope: "0ne00TEST01", caFile: nil),
                         registrationID: "device-01", credential: .symmetricKey("dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzISE="),
                         deadline: deadline, responseTimeout: .seconds(10), connectTimeout: .seconds(10), retry: retry)
}

/// Runs the client (reference unless `profile` says otherwise) against `service`.
func runScripted(_ service: ScriptedService, settings: ProvisioningSettings = scriptedSettings(),
                 profile: DeviceProfile = .reference) async -> ProvisioningOutcome {
    await ReferenceClient(settings: settings, clock: service.clock, profile: profile) { service.transport() }.provision()
}
