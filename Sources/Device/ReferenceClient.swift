import DPSCore
import Foundation

/// The golden DPS device: register, poll, get assigned, exactly as the rules say. Every rule it
/// follows has a requirement ID, so a device under test can be compared with it rule by rule.
public struct ReferenceClient: Sendable {
    public let settings: ProvisioningSettings
    public let clock: any DPSClock
    private let makeTransport: @Sendable () -> any ProvisioningTransport

    public init(settings: ProvisioningSettings, clock: any DPSClock,
                transport: @escaping @Sendable () -> any ProvisioningTransport) {
        self.settings = settings
        self.clock = clock
        self.makeTransport = transport
    }

    /// Provisions once and reports how it ended. Never throws: every failure is an outcome.
    public func provision() async -> ProvisioningOutcome {
        var run = ProvisioningRun(settings: settings, clock: clock, started: clock.now())
        let transport = makeTransport()
        let outcome = await run.execute(transport: transport)
        // Disconnect cleanly whatever happened (DPS-MQTT-DISC-001).
        await transport.close()
        return outcome
    }
}

/// One provisioning attempt's mutable state.
struct ProvisioningRun {
    let settings: ProvisioningSettings
    let clock: any DPSClock
    let started: Date
    var requests = 0
    var random: SplitMix64

    init(settings: ProvisioningSettings, clock: any DPSClock, started: Date) {
        self.settings = settings
        self.clock = clock
        self.started = started
        self.random = SplitMix64(seed: settings.retry.jitterSeed)
    }

    private var elapsed: Duration { .seconds(clock.now().timeIntervalSince(started)) }

    mutating func execute(transport: any ProvisioningTransport) async -> ProvisioningOutcome {
        let credentials: TransportCredentials
        do {
            credentials = try makeCredentials()
        } catch {
            return finish(.connectionFailed, message: "credential unusable: \(error)")
        }
        do {
            try await transport.open(credentials: credentials, timeout: clock.realTimeLimit(for: settings.connectTimeout))
        } catch {
            return finish(.connectionFailed, message: error.reason, errorCode: error.refusalCode)
        }
        let registerBody = Array(DeviceRegistration.wireText(registrationId: settings.registrationID,
                                                             customPayloadJSON: settings.payloadJSON).utf8)
        var operationID: String?
        var failures = 0
        while true {
            guard elapsed < settings.deadline else {
                // An overall deadline instead of polling forever (pitfall 5; DPS-FLOW-DEADLINE-001).
                return finish(.timedOut, message: "not assigned within the deadline of \(settings.deadline)", operationID: operationID)
            }
            let request = operationID.map { OutgoingRequest(kind: .poll, requestID: UUID().uuidString.lowercased(), operationID: $0) }
                ?? OutgoingRequest(kind: .register, requestID: UUID().uuidString.lowercased(), body: registerBody)
            requests += 1
            let response: ServiceResponse
            do {
                response = try await transport.exchange(request, timeout: clock.realTimeLimit(for: settings.responseTimeout))
            } catch {
                if error.code == .timeout { clock.accountForTimedOutWait(settings.responseTimeout) }
                return finish(error.code == .timeout ? .timedOut : .protocolError, message: error.reason, operationID: operationID)
            }
            switch response.status {
            case 200..<300:
                let parsed: ProvisioningResponse
                do {
                    parsed = try ProvisioningResponse(status: response.status, retryAfterText: response.retryAfter, body: response.body)
                } catch {
                    return finish(.protocolError, message: "unreadable \(response.status) body: \(error)", operationID: operationID)
                }
                guard case .operation(let status) = parsed.body else {
                    return finish(.protocolError, message: "\(response.status) without an operation status", operationID: operationID)
                }
                switch status.status {
                case .assigning?:
                    // Poll with the operation ID from the register response (DPS-FLOW-POLL-001).
                    if let id = status.operationId, !id.isEmpty { operationID = id }
                    guard operationID != nil else {
                        return finish(.protocolError, message: "assigning without an operationId", operationID: nil)
                    }
                    failures = 0
                    let wait = settings.retry.honouredWait(retryAfter: response.retryAfter) ?? settings.retry.defaultPollInterval
                    if let outcome = await pause(wait, operationID: operationID) { return outcome }
                case .assigned?:
                    return assigned(status)
                default:
                    return terminal(status)
                }
            case 429, 500...:
                // Transient: honour retry-after, else back off with jitter (DPS-FLOW-RETRY-001/002);
                // the cached operation ID is kept when the error has none (DPS-FLOW-OPID-001).
                failures += 1
                let wait = settings.retry.honouredWait(retryAfter: response.retryAfter)
                    ?? settings.retry.backoff(attempt: failures, random: &random)
                if let outcome = await pause(wait, operationID: operationID) { return outcome }
            default:
                // Any other status is final (DPS-FLOW-ERR-001).
                let details = try? ProvisioningResponse(status: response.status, retryAfterText: nil, body: response.body)
                return finish(.rejected, message: details?.errorMessage ?? "service answered \(response.status)",
                              errorCode: details?.extendedErrorCode ?? response.status, operationID: operationID)
            }
        }
    }

    /// Waits `wait` of clock time, unless that would overrun the deadline.
    private mutating func pause(_ wait: Duration, operationID: String?) async -> ProvisioningOutcome? {
        if elapsed + wait > settings.deadline {
            return finish(.timedOut, message: "the next attempt (in \(wait)) would pass the deadline of \(settings.deadline)", operationID: operationID)
        }
        do {
            try await clock.sleep(for: wait)
        } catch {
            return finish(.timedOut, message: "cancelled while waiting", operationID: operationID)
        }
        return nil
    }

    private func makeCredentials() throws -> TransportCredentials {
        let username = MQTTUsername(idScope: settings.endpoint.idScope, registrationID: settings.registrationID, apiVersion: settings.apiVersion)
        switch settings.credential {
        case .x509(let certificate, let key):
            return TransportCredentials(username: username, sasToken: nil, certificateFile: certificate, keyFile: key)
        case .symmetricKey, .groupKey:
            let key = try settings.credential.signingKey(registrationID: settings.registrationID) ?? ""
            let expiry = Int64(clock.now().timeIntervalSince1970 + settings.sasTokenLifetime.seconds)
            let resource = SASToken.resourceText(idScope: settings.endpoint.idScope, registrationID: settings.registrationID, encoding: .upperHex)
            let token = try SASToken.create(resource: resource, keyBase64: key, expiry: expiry, keyName: "registration")
            return TransportCredentials(username: username, sasToken: token.text)
        }
    }

    private func assigned(_ status: RegistrationOperationStatus) -> ProvisioningOutcome {
        var outcome = finish(.assigned, message: nil, operationID: status.operationId)
        let state = status.registrationState
        outcome.assignedHub = state?.assignedHub
        outcome.deviceId = state?.deviceId
        outcome.substatus = state?.substatus?.rawValue
        outcome.payload = state?.payload
        if outcome.assignedHub == nil || outcome.deviceId == nil {
            outcome.status = .protocolError
            outcome.message = "assigned without assignedHub and deviceId"
        }
        return outcome
    }

    /// `failed`, `disabled`, `unassigned` and unknown states end with a clear failure (DPS-FLOW-TERM-001).
    private func terminal(_ status: RegistrationOperationStatus) -> ProvisioningOutcome {
        let state = status.registrationState
        let kind: ProvisioningOutcome.Status
        switch status.status {
        case .failed?: kind = .failed
        case .disabled?: kind = .disabled
        case .unassigned?: kind = .unassigned
        default: kind = .protocolError
        }
        return finish(kind, message: state?.errorMessage ?? "registration ended \(status.status?.rawValue ?? "without a status")",
                      errorCode: state?.errorCode, operationID: status.operationId)
    }

    private func finish(_ status: ProvisioningOutcome.Status, message: String?, errorCode: Int? = nil, operationID: String? = nil) -> ProvisioningOutcome {
        var outcome = ProvisioningOutcome(status: status, message: message, elapsedSeconds: elapsed.seconds, requests: requests)
        outcome.errorCode = errorCode
        outcome.operationId = operationID
        return outcome
    }
}
