import DPSCore
import Foundation
import Synchronization
import X509

/// The fake DPS itself, independent of transport: attestation, throttling, operations,
/// allocation, reprovisioning. Front ends turn wire messages into `DeviceRequest`s and the
/// returned `ServiceResponse`s back into wire messages. All time comes from the injected clock.
public final class ProvisioningService: Sendable {
    public let configuration: ServiceConfiguration
    public let clock: any DPSClock
    private let state: Mutex<ServiceState>

    private let issuer: CertificateIssuer?

    public init(configuration: ServiceConfiguration, clock: any DPSClock) {
        self.configuration = configuration
        self.clock = clock
        self.state = Mutex(ServiceState())
        // Certificate issuance works when the CA could be made (it always can with a working crypto library).
        self.issuer = try? CertificateIssuer(now: clock.now())
    }

    /// Checks `credentials` for `identity` (DPS-AUTH-*): unknown devices get 404 / 404201, bad,
    /// expired or mismatched credentials 401 / 401002.
    public func attest(_ identity: DeviceIdentity, credentials: DeviceCredentials) -> AttestationOutcome {
        let now = clock.now()
        do throws(Attestor.Failure) {
            return .verified(try Attestor(configuration: configuration).attest(identity, credentials: credentials, now: now))
        } catch {
            switch error {
            case .notFound(let reason):
                return .refused(ServiceErrors.response(DPSErrorCode.enrollmentNotFound, "Registration not found.", at: now), reason: reason)
            case .unauthorized(let reason, let requirement):
                return .refused(ServiceErrors.response(DPSErrorCode.unauthorized, "Unauthorized.", at: now), reason: reason, requirement: requirement)
            }
        }
    }

    /// The fault-plan action for the next `target` exchange of `registrationID`, if any. Front
    /// ends call this once per exchange, before answering.
    public func fault(for target: FaultTarget, registrationID: String) -> FaultAction? {
        state.withLock { $0.faults.next(target, registrationID: registrationID, plan: configuration.faultPlan) }
    }

    /// Notes that the device `identity` (ID scope and registration ID), attested, subscribed to
    /// the response filter.
    public func rememberSubscription(of identity: DeviceIdentity) {
        _ = state.withLock { $0.subscribers.insert(identity.routingKey) }
    }

    /// Whether the attested device `identity` has subscribed on any connection so far.
    public func hasSubscribed(_ identity: DeviceIdentity) -> Bool {
        state.withLock { $0.subscribers.contains(identity.routingKey) }
    }

    /// The answer a `.respond` fault gives instead of handling the request.
    public func faultResponse(status: Int, retryAfter: String?, errorCode: Int?, body: String?) -> ServiceResponse {
        if let body { return ServiceResponse(status: status, retryAfter: retryAfter, body: Array(body.utf8)) }
        return ServiceErrors.response(errorCode ?? status * 1000 + 1, "Injected by the fault plan.", at: clock.now(), retryAfter: retryAfter)
    }

    /// Answers one request of an attested (or refused) device.
    public func handle(_ request: DeviceRequest, attestation: AttestationOutcome) -> ServiceResponse {
        let now = clock.now()
        do {
            try configuration.registrationIDPolicy.validate(request.identity.registrationID)
        } catch where configuration.deliberateWeakness != .acceptsInvalidRegistrationIDs {
            return ServiceErrors.response(DPSErrorCode.invalidRegistrationID, "Invalid RegistrationId", at: now)
        } catch {}
        let match: EnrollmentMatch
        switch attestation {
        case .refused(let response, _, _): return response
        case .verified(let verified): match = verified
        }
        state.withLock { $0.pruneIfDue(now: now, operationRetention: configuration.operationRetention, rateWindow: rateLimitWindow) }
        if let throttled = throttle(request, now: now) { return throttled }
        switch request.kind {
        case .register: return register(request, match: match, now: now)
        case .poll: return poll(request, now: now)
        case .statusLookup: return statusLookup(request, now: now)
        }
    }

    /// The longest window of the configured rate limits, in seconds: counters idle for longer are forgotten.
    private var rateLimitWindow: TimeInterval {
        [configuration.serviceLimit, configuration.pollLimit, configuration.registerLimit].compactMap { $0?.window.seconds }.max() ?? 0
    }

    /// The registration ID of every operation held now, by operation ID: what the fuzzers' oracle
    /// reads to see that nothing was registered under an ID other than the attested one.
    public var operationRegistrationIDs: [String: String] {
        state.withLock { $0.operations.mapValues(\.registrationID) }
    }

    /// How many devices are assigned to each hub now (what evenly weighted allocation reads).
    var devicesPerHub: [String: Int] {
        state.withLock { $0.hubLoad }
    }

    /// Operations and rate-limit counters held now (for tests and `serve` diagnostics).
    public var retainedState: (operations: Int, rateLimitKeys: Int) {
        state.withLock { ($0.operations.count, $0.limiter.keyCount) }
    }

    /// 429 with retry-after when a limit is exceeded (Microsoft Learn DPS quotas and limits; register and poll are limited
    /// separately, azure-iot-sdk-c PR 1703).
    private func throttle(_ request: DeviceRequest, now: Date) -> ServiceResponse? {
        let device = request.identity.registrationID.lowercased()
        let wait: Int? = state.withLock { state in
            if let limit = configuration.serviceLimit, let wait = state.limiter.admit("service", limit: limit, now: now) { return wait }
            switch request.kind {
            case .poll: return configuration.pollLimit.flatMap { state.limiter.admit("poll/\(device)", limit: $0, now: now) }
            case .register: return configuration.registerLimit.flatMap { state.limiter.admit("register/\(device)", limit: $0, now: now) }
            case .statusLookup: return nil
            }
        }
        return wait.map { ServiceErrors.response(DPSErrorCode.throttled, "Too many requests.", at: now, retryAfter: String($0)) }
    }

    private func register(_ request: DeviceRequest, match: EnrollmentMatch, now: Date) -> ServiceResponse {
        if configuration.quirks.rejectNullPayload,
           case .object(let members)? = try? JSONText.decode(JSONValue.self, from: request.body, what: "register body"), members["payload"] == .null {
            // Deliberate intolerance (DPS-SVC-PAYLOAD-001): DPS treats a null payload as absent.
            return ServiceErrors.response(ServiceErrors.badRequest, "payload must not be null (quirk rejectNullPayload).", at: now)
        }
        let registration: DeviceRegistration
        do {
            registration = try JSONText.decode(DeviceRegistration.self, from: request.body, what: "register body")
        } catch {
            return ServiceErrors.response(ServiceErrors.badRequest, "Request body is not a DeviceRegistration.", at: now)
        }
        if let bodyID = registration.registrationId, bodyID.lowercased() != request.identity.registrationID.lowercased() {
            return ServiceErrors.response(DPSErrorCode.invalidRegistrationID, "registrationId in the body does not match the request.", at: now)
        }
        // The body's ID obeys the same rule as the one in the path or username: under the legacy
        // lower-case rule, "ABC" in the body is refused even though "abc" matches it (fuzz finding).
        if let bodyID = registration.registrationId, configuration.deliberateWeakness != .acceptsInvalidRegistrationIDs,
           (try? configuration.registrationIDPolicy.validate(bodyID)) == nil {
            return ServiceErrors.response(DPSErrorCode.invalidRegistrationID, "Invalid RegistrationId in the body.", at: now)
        }
        var certificateRequest: CertificateSigningRequest?
        if let csr = registration.csr {
            // A csr needs api-version 2025-07-01-preview or later (SPEC).
            guard request.identity.apiVersion >= CertificateIssuer.firstAPIVersion else {
                return ServiceErrors.response(ServiceErrors.badRequest, "csr requires api-version \(CertificateIssuer.firstAPIVersion) or later.", at: now)
            }
            do {
                certificateRequest = try CertificateIssuer.validate(csr: csr, registrationID: request.identity.registrationID)
            } catch {
                return ServiceErrors.response(ServiceErrors.badRequest, "Invalid certificate signing request: \(error.description).", at: now)
            }
        }
        guard match.enabled else {
            // the Embedded C SDK parser test: a disabled enrollment ends at once on a 200 with an empty operationId.
            var result = DeviceRegistrationResult(registrationId: request.identity.registrationID, status: .disabled)
            result.createdDateTimeUtc = DPSTimestamp.string(from: now)
            result.lastUpdatedDateTimeUtc = result.createdDateTimeUtc
            // Kept, so a status lookup reports the disabled state rather than "not found".
            var record = OperationRecord(operationID: OperationRecord.makeID(), registrationID: request.identity.registrationID, match: match,
                                         payload: nil, certificateRequest: nil, createdAt: now, readyAt: now, pollsBeforeReady: 0)
            record.result = result
            state.withLock { $0.operations[record.operationID] = record }
            return ServiceResponse(status: 200, model: RegistrationOperationStatus(operationId: "", status: .disabled,
                                                                                   registrationState: DeviceRegistrationResult(registrationId: request.identity.registrationID, status: .disabled)))
        }
        let record = OperationRecord(operationID: OperationRecord.makeID(), registrationID: request.identity.registrationID,
                                     match: match, payload: registration.payload, certificateRequest: certificateRequest, createdAt: now,
                                     readyAt: now.addingTimeInterval(configuration.assigningTime.seconds),
                                     pollsBeforeReady: configuration.assigningPolls)
        state.withLock { $0.operations[record.operationID] = record }
        return ServiceResponse(status: 202, retryAfter: String(configuration.retryAfterSeconds),
                               model: RegistrationOperationStatus(operationId: record.operationID, status: .assigning))
    }

    private func poll(_ request: DeviceRequest, now: Date) -> ServiceResponse {
        if configuration.quirks.rejectPollPayload, !request.body.isEmpty {
            // Deliberate intolerance (DPS-SVC-POLL-001): DPS ignores what a poll carries.
            return ServiceErrors.response(ServiceErrors.badRequest, "a poll must have no payload (quirk rejectPollPayload).", at: now)
        }
        let outcome: (DeviceRegistrationResult, String)? = state.withLock { state in
            guard let operationID = request.operationID, var record = state.operations[operationID],
                  record.registrationID.lowercased() == request.identity.registrationID.lowercased() else { return nil }
            defer { state.operations[operationID] = record }
            if let result = record.result { return (result, operationID) }
            if record.pollsBeforeReady > 0 || now < record.readyAt {
                record.pollsBeforeReady -= 1
                return (DeviceRegistrationResult(registrationId: record.registrationID, status: .assigning), operationID)
            }
            var result = state.complete(record, now: now)
            if result.status == .assigned, let csr = record.certificateRequest {
                result.issuedCertificateChain = try? issuer?.issue(for: csr, registrationID: record.registrationID, now: now)
            }
            record.result = result
            return (result, operationID)
        }
        guard let (result, operationID) = outcome else {
            return ServiceErrors.response(DPSErrorCode.operationNotFound, "Operation not found.", at: now)
        }
        let status = result.status ?? .failed
        let body = RegistrationOperationStatus(operationId: operationID, status: status, registrationState: result)
        if status == .assigning {
            return ServiceResponse(status: 202, retryAfter: String(configuration.retryAfterSeconds), model: body)
        }
        return ServiceResponse(status: 200, model: body)
    }

    private func statusLookup(_ request: DeviceRequest, now: Date) -> ServiceResponse {
        if let registration = try? JSONText.decode(DeviceRegistration.self, from: request.body, what: "lookup"), registration.csr != nil {
            return ServiceErrors.response(ServiceErrors.badRequest, "A status lookup must not carry a csr.", at: now)
        }
        guard var result = state.withLock({ $0.latestResult(for: request.identity.registrationID) }) else {
            return ServiceErrors.response(DPSErrorCode.enrollmentNotFound, "Registration not found.", at: now)
        }
        result.issuedCertificateChain = nil
        return ServiceResponse(status: 200, model: result)
    }
}

/// Everything the service remembers, guarded by one lock.
struct ServiceState: Sendable {
    var operations: [String: OperationRecord] = [:]
    /// Where each device (lower-cased registration ID) was last assigned; set through `assign`.
    private(set) var assignments: [String: String] = [:]
    /// How many devices `assignments` puts on each hub, kept with it: an allocation reads it in
    /// constant time, not by counting every device assigned so far.
    private(set) var hubLoad: [String: Int] = [:]
    var limiter = RateLimiter()
    var faults = FaultCounters()
    var subscribers: Set<String> = []
    /// When old operations and idle rate-limit counters were last dropped.
    var lastPrune: Date?

    /// Drops operations created more than `operationRetention` ago and rate-limit counters idle
    /// for longer than `rateWindow`, at most once a second of clock time (each pass is linear).
    mutating func pruneIfDue(now: Date, operationRetention: Duration?, rateWindow: TimeInterval) {
        if let last = lastPrune, now.timeIntervalSince(last) < 1, now >= last { return }
        lastPrune = now
        if let retention = operationRetention?.seconds {
            operations = operations.filter { now.timeIntervalSince($0.value.createdAt) <= retention }
        }
        limiter.prune(now: now, window: rateWindow)
    }

    func latestResult(for registrationID: String) -> DeviceRegistrationResult? {
        operations.values.filter { $0.registrationID.lowercased() == registrationID.lowercased() && $0.result != nil }
            .max { $0.createdAt < $1.createdAt }?.result
    }

    /// Records that the device `key` is on `hub`, moving it off its previous hub's load.
    private mutating func assign(_ key: String, to hub: String) {
        if let previous = assignments.updateValue(hub, forKey: key) {
            hubLoad[previous, default: 1] -= 1
            if hubLoad[previous] == 0 { hubLoad[previous] = nil }
        }
        hubLoad[hub, default: 0] += 1
    }

    /// Allocates the device and builds its final registration state, applying the
    /// reprovisioning policy when it was assigned before (Microsoft Learn concepts-service; SPEC AssignedDeviceSubstatus).
    mutating func complete(_ record: OperationRecord, now: Date) -> DeviceRegistrationResult {
        var result = DeviceRegistrationResult(registrationId: record.registrationID, status: .assigned)
        result.createdDateTimeUtc = DPSTimestamp.string(from: record.createdAt)
        result.lastUpdatedDateTimeUtc = DPSTimestamp.string(from: now)
        result.etag = OperationRecord.makeETag()
        result.x509 = record.match.x509
        result.symmetricKey = record.match.symmetricKey
        let key = record.registrationID.lowercased()
        switch record.match.allocation.allocate(registrationID: record.registrationID, payload: record.payload, load: hubLoad) {
        case .failed(let code, let message):
            result.status = .failed
            result.errorCode = code
            result.errorMessage = message
            return result
        case .hub(let allocated, let payload):
            var hub = allocated
            var substatus = AssignmentSubstatus.initialAssignment
            if let previous = assignments[key], previous != allocated {
                switch record.match.reprovision {
                case .neverReprovision: hub = previous
                case .reprovisionAndMigrateData: substatus = .deviceDataMigrated
                case .reprovisionAndResetToInitialConfig: substatus = .deviceDataReset
                }
            }
            assign(key, to: hub)
            result.assignedHub = hub
            result.deviceId = record.match.deviceID
            result.substatus = substatus
            result.payload = payload ?? record.match.initialPayload
            return result
        }
    }
}
