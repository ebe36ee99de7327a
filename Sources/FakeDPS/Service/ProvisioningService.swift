import DPSCore
import Foundation
import Synchronization

/// The fake DPS itself, independent of transport: attestation, operations, allocation. Front ends
/// turn wire messages into `DeviceRequest`s and the returned `ServiceResponse`s back into wire
/// messages. All time comes from the injected clock.
public final class ProvisioningService: Sendable {
    public let configuration: ServiceConfiguration
    public let clock: any DPSClock
    private let operations: Mutex<[String: OperationRecord]>

    public init(configuration: ServiceConfiguration, clock: any DPSClock) {
        self.configuration = configuration
        self.clock = clock
        self.operations = Mutex([:])
    }

    /// Checks `credentials` for `identity` (DPS-AUTH-*). Unknown devices get 404/404201, bad or
    /// expired tokens 401/401002.
    public func attest(_ identity: DeviceIdentity, credentials: DeviceCredentials) -> AttestationOutcome {
        let now = clock.now()
        guard identity.idScope == configuration.idScope else {
            return .refused(ServiceErrors.response(DPSErrorCode.enrollmentNotFound, "ID scope \(identity.idScope) is not this service's.", at: now),
                            reason: "unknown ID scope \(identity.idScope)")
        }
        guard let enrollment = configuration.enrollments.individual(for: identity.registrationID) else {
            return .refused(ServiceErrors.response(DPSErrorCode.enrollmentNotFound, "Registration not found.", at: now),
                            reason: "no enrollment for \(identity.registrationID)")
        }
        guard let tokenText = credentials.sasToken, !tokenText.isEmpty else {
            return .refused(ServiceErrors.response(DPSErrorCode.unauthorized, "Unauthorized.", at: now),
                            reason: "no SAS token for a symmetric-key enrollment")
        }
        do {
            let token = try SASToken(parsing: tokenText)
            try SASVerifier(clockSkew: configuration.sasClockSkew).verify(
                token, idScope: identity.idScope, registrationID: identity.registrationID,
                keysBase64: enrollment.attestation.symmetricKeys, now: now)
            return .verified(enrollment)
        } catch let error as DPSCoreError {
            return .refused(ServiceErrors.response(DPSErrorCode.unauthorized, "Unauthorized.", at: now),
                            reason: error.description)
        } catch {
            return .refused(ServiceErrors.response(DPSErrorCode.unauthorized, "Unauthorized.", at: now), reason: "\(error)")
        }
    }

    /// Answers one request of an attested (or refused) device.
    public func handle(_ request: DeviceRequest, attestation: AttestationOutcome) -> ServiceResponse {
        let now = clock.now()
        do {
            try configuration.registrationIDPolicy.validate(request.identity.registrationID)
        } catch {
            return ServiceErrors.response(DPSErrorCode.invalidRegistrationID, "Invalid RegistrationId", at: now)
        }
        let enrollment: IndividualEnrollment
        switch attestation {
        case .refused(let response, _): return response
        case .verified(let verified): enrollment = verified
        }
        switch request.kind {
        case .register: return register(request, enrollment: enrollment, now: now)
        case .poll: return poll(request, now: now)
        case .statusLookup: return statusLookup(request, now: now)
        }
    }

    private func register(_ request: DeviceRequest, enrollment: IndividualEnrollment, now: Date) -> ServiceResponse {
        let registration: DeviceRegistration
        do {
            registration = try JSONText.decode(DeviceRegistration.self, from: request.body, what: "register body")
        } catch {
            return ServiceErrors.response(ServiceErrors.badRequest, "Request body is not a DeviceRegistration.", at: now)
        }
        if let bodyID = registration.registrationId, bodyID.lowercased() != request.identity.registrationID.lowercased() {
            return ServiceErrors.response(DPSErrorCode.invalidRegistrationID, "registrationId in the body does not match the request.", at: now)
        }
        guard enrollment.enabled else {
            // EMB parser test: a disabled enrollment ends at once on a 200 with an empty operationId.
            let state = DeviceRegistrationResult(registrationId: request.identity.registrationID, status: .disabled)
            return ServiceResponse(status: 200, model: RegistrationOperationStatus(operationId: "", status: .disabled, registrationState: state))
        }
        let record = OperationRecord(operationID: OperationRecord.makeID(), registrationID: request.identity.registrationID,
                                     enrollment: enrollment, payload: registration.payload, createdAt: now,
                                     readyAt: now.addingTimeInterval(configuration.assigningTime.seconds),
                                     pollsBeforeReady: configuration.assigningPolls)
        operations.withLock { $0[record.operationID] = record }
        return ServiceResponse(status: 202, retryAfter: String(configuration.retryAfterSeconds),
                               model: RegistrationOperationStatus(operationId: record.operationID, status: .assigning))
    }

    private func poll(_ request: DeviceRequest, now: Date) -> ServiceResponse {
        let outcome: (RegistrationStatus, DeviceRegistrationResult, String)? = operations.withLock { table in
            guard let operationID = request.operationID, var record = table[operationID],
                  record.registrationID.lowercased() == request.identity.registrationID.lowercased() else { return nil }
            defer { table[operationID] = record }
            if let result = record.result { return (result.status ?? .assigned, result, operationID) }
            if record.pollsBeforeReady > 0 || now < record.readyAt {
                record.pollsBeforeReady -= 1
                return (.assigning, DeviceRegistrationResult(registrationId: record.registrationID, status: .assigning), operationID)
            }
            let result = complete(record, now: now)
            record.result = result
            return (result.status ?? .failed, result, operationID)
        }
        guard let (status, state, operationID) = outcome else {
            return ServiceErrors.response(DPSErrorCode.operationNotFound, "Operation not found.", at: now)
        }
        let body = RegistrationOperationStatus(operationId: operationID, status: status, registrationState: state)
        if status == .assigning {
            return ServiceResponse(status: 202, retryAfter: String(configuration.retryAfterSeconds), model: body)
        }
        return ServiceResponse(status: 200, model: body)
    }

    private func statusLookup(_ request: DeviceRequest, now: Date) -> ServiceResponse {
        let latest = operations.withLock { table in
            table.values.filter { $0.registrationID.lowercased() == request.identity.registrationID.lowercased() && $0.result != nil }
                .max { $0.createdAt < $1.createdAt }?.result
        }
        guard var result = latest else {
            return ServiceErrors.response(DPSErrorCode.enrollmentNotFound, "Registration not found.", at: now)
        }
        result.issuedCertificateChain = nil
        return ServiceResponse(status: 200, model: result)
    }

    /// Allocates the device and builds its final registration state.
    private func complete(_ record: OperationRecord, now: Date) -> DeviceRegistrationResult {
        var result = DeviceRegistrationResult(registrationId: record.registrationID, status: .assigned)
        result.createdDateTimeUtc = DPSTimestamp.string(from: record.createdAt)
        result.lastUpdatedDateTimeUtc = DPSTimestamp.string(from: now)
        result.etag = OperationRecord.makeETag()
        guard let hub = record.enrollment.allocation.hub(for: record.registrationID) else {
            result.status = .failed
            result.errorCode = DPSErrorCode.noHubLinked
            result.errorMessage = "No IoT hub is linked to the enrollment."
            return result
        }
        result.assignedHub = hub
        result.deviceId = record.enrollment.deviceID ?? record.registrationID
        result.substatus = .initialAssignment
        result.payload = record.enrollment.initialPayload
        return result
    }
}
