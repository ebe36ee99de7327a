/// The DPS meaning of a request or response event, worked out once by the recorder that parsed
/// the packet or message: which request, its `$rid` (or, on HTTPS, a pairing ID standing in for
/// it), the operation, and for responses the status, retry-after and registration state.
public struct DPSExchange: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case request
        case response
    }

    public var role: Role
    /// What was asked (for a response: what it answers, when known).
    public var kind: DeviceRequestKind?
    /// MQTT `$rid` exactly as sent (still percent-encoded); on HTTPS `connection/n`, the n-th
    /// request on that connection, since HTTP/1.1 answers in request order.
    public var requestID: String
    /// The registration ID the request names (topic-less on MQTT: the CONNECT's).
    public var registrationID: String?
    /// Request: the polled operation. Response: the operation ID the body carries.
    public var operationID: String?
    /// Response status (HTTP status, or the status in an MQTT response topic).
    public var status: Int?
    /// The `retry-after` text as sent, if any (see `RetryAfter` for its reading).
    public var retryAfter: String?
    /// A 2xx response body's `status` (assigning, assigned, failed, disabled, ...).
    public var registrationState: String?
    /// An error body's six-digit `errorCode` (or the registration state's, on a failed assignment).
    public var errorCode: Int?
    /// The registration state's assigned hub, device ID and etag, as the service sent them.
    public var assignedHub: String?
    public var deviceID: String?
    public var etag: String?
    /// Request: a re-send marked DUP (MQTT), which may repeat its `$rid`.
    public var duplicate: Bool

    public init(role: Role, kind: DeviceRequestKind?, requestID: String, registrationID: String? = nil, operationID: String? = nil,
                status: Int? = nil, retryAfter: String? = nil, registrationState: String? = nil, errorCode: Int? = nil,
                duplicate: Bool = false) {
        self.role = role
        self.kind = kind
        self.requestID = requestID
        self.registrationID = registrationID
        self.operationID = operationID
        self.status = status
        self.retryAfter = retryAfter
        self.registrationState = registrationState
        self.errorCode = errorCode
        self.duplicate = duplicate
    }

    /// A request.
    public static func request(_ kind: DeviceRequestKind, requestID: String, registrationID: String?, operationID: String? = nil,
                               duplicate: Bool = false) -> DPSExchange {
        DPSExchange(role: .request, kind: kind, requestID: requestID, registrationID: registrationID, operationID: operationID, duplicate: duplicate)
    }

    /// A response to `requestID` with `status`, reading the body the way a careful device does:
    /// a 2xx body is a RegistrationOperationStatus, anything else an error body (either may be
    /// malformed on purpose; then only the status and retry-after are known).
    public static func response(to kind: DeviceRequestKind?, requestID: String, status: Int, retryAfter: String?, body: [UInt8]) -> DPSExchange {
        var exchange = DPSExchange(role: .response, kind: kind, requestID: requestID, status: status, retryAfter: retryAfter)
        if (200..<300).contains(status) {
            if let operation = try? JSONText.decode(RegistrationOperationStatus.self, from: body, what: "response") {
                exchange.operationID = operation.operationId
                exchange.registrationState = operation.status?.rawValue
                let result = operation.registrationState
                exchange.registrationID = result?.registrationId
                exchange.assignedHub = result?.assignedHub
                exchange.deviceID = result?.deviceId
                exchange.etag = result?.etag
                exchange.errorCode = result?.errorCode
            }
        } else if let details = try? JSONText.decode(ProvisioningServiceErrorDetails.self, from: body, what: "response") {
            exchange.errorCode = details.errorCode
        }
        return exchange
    }

    /// The registration state as a typed value.
    public var state: RegistrationStatus? { registrationState.map(RegistrationStatus.init(rawValue:)) }
}
