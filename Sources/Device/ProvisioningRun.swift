import DPSCore
import Foundation

/// One provisioning attempt: the rules, written once, with the switch points of `DeviceBehaviour`.
struct ProvisioningRun {
    let settings: ProvisioningSettings
    let clock: any DPSClock
    let behaviour: DeviceBehaviour
    let makeTransport: @Sendable () -> any ProvisioningTransport
    let started: Date
    var requests = 0
    var connections = 0
    var random: SplitMix64
    var transport: (any ProvisioningTransport)?
    /// Expiry (seconds since 1970) of the SAS token of the open connection.
    var tokenExpiry: Int64?
    /// Whether the service ever answered; before that, failing to connect is "could not connect at all".
    var everAnswered = false
    /// Consecutive transient failures, for the back-off exponent.
    var failures = 0
    /// The operation being polled, cached across retriable errors (DPS-FLOW-OPID-001).
    var operationID: String?

    init(settings: ProvisioningSettings, clock: any DPSClock, behaviour: DeviceBehaviour,
         makeTransport: @escaping @Sendable () -> any ProvisioningTransport) {
        self.settings = settings
        self.clock = clock
        self.behaviour = behaviour
        self.makeTransport = makeTransport
        self.started = clock.now()
        self.random = SplitMix64(seed: settings.retry.jitterSeed)
    }

    private var elapsed: Duration { .seconds(clock.now().timeIntervalSince(started)) }

    /// The deadline in force: the configured one (DPS-FLOW-DEADLINE-001), or for the no-deadline
    /// mutant a hard safety cap so that it still ends.
    private var limit: Duration {
        behaviour.honoursDeadline ? settings.deadline : settings.deadline * MutantProfile.safetyCapFactor
    }

    mutating func execute() async -> ProvisioningOutcome {
        let identity: PreparedIdentity
        do {
            identity = try PreparedIdentity.prepare(settings.credential, registrationID: settings.registrationID, diceNonce: behaviour.diceNonce)
        } catch {
            return finish(.connectionFailed, message: "credential unusable: \(error.reason)")
        }
        defer { identity.privateFiles?.remove() }
        let outcome = await loop(identity: identity)
        // Disconnect cleanly whatever happened (DPS-MQTT-DISC-001); the mutant just goes away.
        if behaviour.disconnects { await transport?.close() } else { await transport?.abandon() }
        transport = nil
        return outcome
    }

    private mutating func loop(identity: PreparedIdentity) async -> ProvisioningOutcome {
        let registerBody = makeRegisterBody()
        var lookedUp = !behaviour.looksUpStatusWithCSR
        while true {
            guard elapsed < limit else {
                // An overall deadline instead of polling forever (DPS-FLOW-DEADLINE-001).
                return finish(.timedOut, message: "not assigned within the deadline of \(limit)")
            }
            await renewTokenIfDue()
            if transport == nil {
                if let outcome = await connect(identity: identity) { return outcome }
                continue
            }
            guard let current = transport else { continue }
            if !lookedUp {
                // The mutant asks the status lookup first, with a csr it must not send there (DPS-HTTP-LOOKUP-001).
                lookedUp = true
                requests += 1
                let body = #"{"registrationId":"\#(settings.registrationID)","csr":"MIIBszCCAVkCAQAwEjEQMA4GA1UEAwwHZGV2aWNl"}"#
                _ = try? await exchange(OutgoingRequest(kind: .statusLookup, requestID: nextRequestID(), body: Array(body.utf8)), on: current)
            }
            // Poll the operation from the register response (DPS-FLOW-POLL-001); the mutant registers again.
            let request = operationID.flatMap { id in behaviour.pollsOperation ? OutgoingRequest(kind: .poll, requestID: nextRequestID(), operationID: id) : nil }
                ?? OutgoingRequest(kind: .register, requestID: nextRequestID(), body: registerBody)
            requests += 1
            let response: ServiceResponse
            do {
                response = try await exchange(request, on: current)
            } catch {
                if error.code == .timeout { clock.accountForTimedOutWait(boundedWait(settings.responseTimeout)) }
                if let outcome = await transportFailed(error) { return outcome }
                continue
            }
            everAnswered = true
            if let outcome = await handle(response, to: request) { return outcome }
        }
    }

    /// Reacts to one response; nil means "go on".
    private mutating func handle(_ response: ServiceResponse, to request: OutgoingRequest) async -> ProvisioningOutcome? {
        switch response.status {
        case 200..<300:
            let status: RegistrationOperationStatus
            do {
                guard case .operation(let parsed) = try ProvisioningResponse(status: response.status, retryAfterText: response.retryAfter,
                                                                             body: response.body).body else {
                    return finish(.protocolError, message: "\(response.status) without an operation status")
                }
                status = parsed
            } catch {
                return finish(.protocolError, message: "unreadable \(response.status) body: \(error)")
            }
            switch status.status {
            case .assigning?:
                if behaviour.assigningIsFinal {
                    // The mutant first-202-is-final stops here as if done.
                    var outcome = finish(.assigned, message: "took the \(response.status) 'assigning' reply as the result")
                    outcome.operationId = status.operationId
                    return outcome
                }
                if let id = status.operationId, !id.isEmpty { operationID = id }
                guard operationID != nil else {
                    return finish(.protocolError, message: "assigning without an operationId")
                }
                failures = 0
                return await pause(assigningWait(response, after: request.kind))
            case .assigned?:
                if !behaviour.stopsAtTerminalStatus, let current = transport, let id = status.operationId ?? operationID {
                    // The mutant polls once more after the assignment (DPS-FLOW-TERM-001).
                    requests += 1
                    _ = try? await exchange(OutgoingRequest(kind: .poll, requestID: nextRequestID(), operationID: id), on: current)
                }
                return assigned(status)
            default:
                return terminal(status)
            }
        case 429, 500...:
            // Transient: retried after retry-after or a back-off (DPS-FLOW-RETRY-001/002, DPS-FLOW-TRANSIENT-001); the
            // cached operation ID is kept when the error has none (DPS-FLOW-OPID-001).
            guard behaviour.retriesThrottling else { return rejected(response) }
            // The mutant forgets the operation it was polling (DPS-FLOW-OPID-001).
            if !behaviour.keepsOperationOnError, request.kind == .poll { operationID = DeviceBehaviour.staleOperationID }
            failures += 1
            return await pause(transientWait(response))
        default:
            // Any other status is final (DPS-FLOW-ERR-001); the mutant retries it.
            guard !behaviour.permanentErrorsAreFinal else { return rejected(response) }
            failures += 1
            return await pause(transientWait(response))
        }
    }

    /// Opens a new connection with fresh credentials; nil means "go on" (connected, or will retry).
    private mutating func connect(identity: PreparedIdentity) async -> ProvisioningOutcome? {
        let expiry = Int64((clock.now().timeIntervalSince1970 + settings.sasTokenLifetime.seconds).rounded(.down))
        let credentials: TransportCredentials
        do {
            credentials = try identity.credentials(settings: settings, behaviour: behaviour, expiry: expiry)
        } catch {
            return finish(.connectionFailed, message: "credential unusable: \(error)")
        }
        let next = makeTransport()
        connections += 1
        do {
            try await untilSettled(allowed: boundedWait(settings.connectTimeout), doing: "connecting") { limit throws(TransportError) in
                try await next.open(credentials: credentials, timeout: limit)
            }
        } catch {
            if error.code == .timeout { clock.accountForTimedOutWait(boundedWait(settings.connectTimeout)) }
            // The first connection failing, or any refusal, ends the run: nothing would change by retrying.
            if connections == 1 || error.code == .refused {
                return finish(.connectionFailed, message: error.reason, errorCode: error.refusalCode)
            }
            failures += 1
            return await pause(backoff())
        }
        transport = next
        tokenExpiry = credentials.sasToken == nil ? nil : expiry
        return nil
    }

    /// A dropped connection or an unanswered request is retried on a new connection with a new
    /// `$rid` within the deadline (DPS-FLOW-RECONNECT-001; the Python SDK #797).
    private mutating func transportFailed(_ error: TransportError) async -> ProvisioningOutcome? {
        if !behaviour.reconnects {
            // The mutant gives up instead of trying again (DPS-FLOW-RECONNECT-001).
            return finish(.connectionFailed, message: "gave up: \(error.reason)")
        }
        if !everAnswered, error.code == .connectFailed || error.code == .refused {
            // HTTPS connects lazily: a first request that cannot connect means no connection at all.
            return finish(.connectionFailed, message: error.reason, errorCode: error.refusalCode)
        }
        if let old = transport {
            if behaviour.disconnects { await old.close() } else { await old.abandon() }
        }
        transport = nil
        failures += 1
        return await pause(backoff())
    }

    /// Reconnects with a fresh token when the current one is within the renewal margin of its
    /// expiry (DPS-AUTH-SAS-005): the old connection is closed, the next loop turn opens a new one.
    private mutating func renewTokenIfDue() async {
        guard behaviour.renewsToken, let expiry = tokenExpiry, let old = transport else { return }
        let renewAt = Double(expiry) - settings.effectiveRenewalMargin.seconds
        guard clock.now().timeIntervalSince1970 >= renewAt else { return }
        transport = nil
        tokenExpiry = nil
        if behaviour.disconnects { await old.close() } else { await old.abandon() }
    }

    /// The wait after a 202 `assigning`, per the profile's rule.
    private mutating func assigningWait(_ response: ServiceResponse, after kind: DeviceRequestKind) -> Duration {
        let policy = settings.retry
        switch behaviour.waitRule {
        case .reference:
            return policy.honouredWait(retryAfter: response.retryAfter, now: clock.now()) ?? policy.defaultPollInterval
        case .ignoreRetryAfter:
            return policy.defaultPollInterval
        case .fixed(let interval):
            return interval
        case .ignoreInitialRetryAfter:
            if kind == .register { return .seconds(2) }
            return policy.honouredWait(retryAfter: response.retryAfter, now: clock.now()) ?? policy.defaultPollInterval
        case .cSDK:
            return .seconds(RetryAfter.cSDKInterpretation(response.retryAfter))
        }
    }

    /// The wait after a 429/5xx (or, for the mutant, a retried 4xx), per the profile's rule.
    private mutating func transientWait(_ response: ServiceResponse) -> Duration {
        switch behaviour.waitRule {
        case .reference, .ignoreInitialRetryAfter:
            // Without retry-after: back off (DPS-FLOW-RETRY-002); the mutant waits 1 s every time.
            return settings.retry.honouredWait(retryAfter: response.retryAfter, now: clock.now()) ?? (behaviour.backsOff ? backoff() : .seconds(1))
        case .ignoreRetryAfter:
            return settings.retry.defaultPollInterval
        case .fixed(let interval):
            return interval
        case .cSDK:
            return .seconds(RetryAfter.cSDKInterpretation(response.retryAfter))
        }
    }

    private mutating func backoff() -> Duration {
        switch behaviour.waitRule {
        case .fixed(let interval): interval
        default: settings.retry.backoff(attempt: max(failures, 1), random: &random)
        }
    }

    /// Sends `request` and waits for its answer, at most the response timeout (within the
    /// deadline) of clock time.
    private func exchange(_ request: OutgoingRequest, on transport: any ProvisioningTransport) async throws(TransportError) -> ServiceResponse {
        try await untilSettled(allowed: boundedWait(settings.responseTimeout), doing: "the \(request.kind.rawValue) request",
                               takenIn: { await transport.takenIn(request) }) { limit throws(TransportError) in
            try await transport.exchange(request, timeout: limit)
        }
    }

    /// Runs one wait on the service that the device allows `allowed` of clock time. On a virtual
    /// clock the wait also ends, as the same timeout, when the service says it settled the
    /// device's request without answering: nothing would come in the time the device allows, so
    /// the wall-clock cap need not run out.
    /// `takenIn` returns once what the service sent before it said so has been read (the
    /// connection opening has nothing to take in: the service sent nothing it waits behind).
    private func untilSettled<T: Sendable>(allowed: Duration, doing what: String, takenIn: @escaping @Sendable () async -> Void = {},
                                           _ wait: @escaping @Sendable (Duration) async throws(TransportError) -> T) async throws(TransportError) -> T {
        let limit = clock.realTimeLimit(for: allowed)
        let registrationID = settings.registrationID
        guard let mark = clock.settledMark(registrationID: registrationID) else { return try await wait(limit) }
        let clock = self.clock
        let first = await withTaskGroup(of: Result<T, TransportError>?.self) { group in
            group.addTask {
                do throws(TransportError) { return .success(try await wait(limit)) } catch { return .failure(error) }
            }
            group.addTask {
                await clock.settled(registrationID: registrationID, after: mark)
                await takenIn()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch first {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw TransportError(.timeout, "\(what): nothing within \(allowed), the service settled it without an answer")
        }
    }

    /// `wait`, but never past the deadline in force.
    private func boundedWait(_ wait: Duration) -> Duration {
        max(min(wait, limit - elapsed), .milliseconds(1))
    }

    /// Waits `wait` of clock time, unless that would overrun the deadline: a long retry-after is
    /// never shortened to fit, the attempt ends instead.
    private mutating func pause(_ wait: Duration) async -> ProvisioningOutcome? {
        if elapsed + wait > limit {
            return finish(.timedOut, message: "the next attempt (in \(wait)) would pass the deadline of \(limit)")
        }
        do {
            try await clock.sleep(for: wait)
        } catch {
            return finish(.timedOut, message: "cancelled while waiting")
        }
        return nil
    }

    /// The register body: a DeviceRegistration naming the device (DPS-FLOW-REG-001), or the
    /// mutant's bent form.
    private func makeRegisterBody() -> [UInt8] {
        let id = settings.registrationID
        switch behaviour.registerBody {
        case .reference:
            return Array(DeviceRegistration.wireText(registrationId: id, customPayloadJSON: settings.payloadJSON, csr: settings.csr).utf8)
        case .oversized:
            // Past the 96 KB message limit (DPS-MQTT-SIZE-001, DPS-HTTP-BODY-002).
            let padding = #"{"padding":""# + String(repeating: "a", count: DPSLimits.maximumMessageBytes) + #""}"#
            return Array(DeviceRegistration.wireText(registrationId: id, customPayloadJSON: padding).utf8)
        case .withoutRegistrationID:
            return Array("{}".utf8)
        case .formEncoded:
            return Array("registrationId=\(PercentEncoding.encode(id))".utf8)
        }
    }

    private func nextRequestID() -> String {
        switch behaviour.requestIDs {
        case .fresh: UUID().uuidString.lowercased()
        case .constant(let rid): rid
        }
    }

    private func rejected(_ response: ServiceResponse) -> ProvisioningOutcome {
        let details = try? ProvisioningResponse(status: response.status, retryAfterText: nil, body: response.body)
        return finish(.rejected, message: details?.errorMessage ?? "service answered \(response.status)",
                      errorCode: details?.extendedErrorCode ?? response.status)
    }

    private func assigned(_ status: RegistrationOperationStatus) -> ProvisioningOutcome {
        var outcome = finish(.assigned, message: nil)
        outcome.operationId = status.operationId ?? operationID
        let state = status.registrationState
        outcome.assignedHub = state?.assignedHub
        outcome.deviceId = state?.deviceId
        outcome.substatus = state?.substatus?.rawValue
        outcome.payload = state?.payload
        outcome.issuedCertificateChain = state?.issuedCertificateChain
        if outcome.assignedHub == nil || outcome.deviceId == nil {
            outcome.status = .protocolError
            outcome.message = "assigned without assignedHub and deviceId"
        }
        if !behaviour.etagIsOpaque, let etag = state?.etag, !(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count >= 2) {
            // The mutant reads the etag as an RFC 9110 entity-tag; DPS's is opaque (DPS-FLOW-ETAG-001).
            outcome.status = .protocolError
            outcome.message = "etag is not a quoted entity-tag"
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
        var outcome = finish(kind, message: state?.errorMessage ?? "registration ended \(status.status?.rawValue ?? "without a status")",
                             errorCode: state?.errorCode)
        outcome.operationId = status.operationId ?? operationID
        return outcome
    }

    private func finish(_ status: ProvisioningOutcome.Status, message: String?, errorCode: Int? = nil) -> ProvisioningOutcome {
        var outcome = ProvisioningOutcome(status: status, message: message, elapsedSeconds: elapsed.seconds,
                                          requests: requests, connections: connections)
        outcome.errorCode = errorCode
        outcome.operationId = operationID
        return outcome
    }
}
