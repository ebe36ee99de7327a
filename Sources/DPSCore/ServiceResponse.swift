/// A response from the service to one device request, independent of transport: an HTTP-like
/// status, the `retry-after` text (kept as text, because faults send non-integers), and the body
/// bytes (kept as bytes, because faults send non-JSON).
public struct ServiceResponse: Sendable, Hashable {
    public var status: Int
    public var retryAfter: String?
    public var body: [UInt8]

    public init(status: Int, retryAfter: String? = nil, body: [UInt8]) {
        self.status = status
        self.retryAfter = retryAfter
        self.body = body
    }

    public init<T: Encodable>(status: Int, retryAfter: String? = nil, model: T) {
        self.init(status: status, retryAfter: retryAfter, body: JSONText.encode(model))
    }
}

/// What a device asked for, independent of transport.
public enum DeviceRequestKind: String, Sendable, Hashable, Codable, CaseIterable {
    case register
    case poll
    case statusLookup
}

/// A device response, interpreted the way a careful device must (Microsoft Learn iot-dps-mqtt-support;
/// vectors `response_payload_parse`): 2xx bodies are a RegistrationOperationStatus, other bodies
/// are ProvisioningServiceErrorDetails.
public struct ProvisioningResponse: Sendable, Hashable {
    public enum Body: Sendable, Hashable {
        case operation(RegistrationOperationStatus)
        case error(ProvisioningServiceErrorDetails)
    }

    public let status: Int
    public let retryAfterText: String?
    public let body: Body

    public init(status: Int, retryAfterText: String?, body bytes: [UInt8]) throws {
        self.status = status
        self.retryAfterText = retryAfterText
        if (200..<300).contains(status) {
            body = .operation(try JSONText.decode(RegistrationOperationStatus.self, from: bytes, what: "\(status) response body"))
        } else if bytes.isEmpty {
            body = .error(ProvisioningServiceErrorDetails(errorCode: nil, trackingId: nil, message: nil, timestampUtc: nil))
        } else {
            body = .error(try JSONText.decode(ProvisioningServiceErrorDetails.self, from: bytes, what: "\(status) error body"))
        }
    }

    /// Retry-after in whole seconds when the text is a valid integer.
    public var retryAfterSeconds: Int? { retryAfterText.flatMap(RetryAfter.seconds) }

    public var operationID: String? {
        if case .operation(let operation) = body { return operation.operationId }
        return nil
    }

    /// The operation status; an error body counts as `failed` (the Embedded C SDK parser behaviour).
    public var operationStatus: RegistrationStatus {
        switch body {
        case .operation(let operation): operation.status ?? .other("")
        case .error: .failed
        }
    }

    /// Whether the operation has finished (terminal status on a 2xx).
    public var isComplete: Bool {
        if case .operation(let operation) = body { return operation.status?.isTerminal ?? false }
        return false
    }

    /// The six-digit code from the error body or from a failed registrationState.
    public var extendedErrorCode: Int? {
        switch body {
        case .error(let details): details.errorCode
        case .operation(let operation): operation.registrationState?.errorCode
        }
    }

    public var errorMessage: String? {
        switch body {
        case .error(let details): details.message
        case .operation(let operation): operation.registrationState?.errorMessage
        }
    }
}
