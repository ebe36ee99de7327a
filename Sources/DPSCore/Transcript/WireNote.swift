/// Something one side noted about a connection, typed so checks can read it: why it closed, what
/// it refused and under which requirement, which fault it enacted.
public enum WireNote: Sendable, Hashable, Codable {
    /// The connection ended.
    case closed(CloseCause)
    /// The service refused a connection or request (a CONNACK refusal, an HTTP 4xx the front end
    /// decided itself), under `requirement` when a protocol rule was broken.
    case refused(status: Int, requirement: RequirementID?, reason: String)
    /// The service refused the credentials; `requirement` names the rule they broke.
    case attestationRefused(requirement: RequirementID?, reason: String)
    /// The service refused a packet or message it could not parse.
    case malformed(requirement: RequirementID?, reason: String)
    /// The fault plan acted.
    case fault(FaultNote)
    /// A response the service made but could not deliver (no subscription).
    case undelivered(status: Int, requirement: RequirementID)
    /// A response delivered on another connection of the same, attested device.
    case routed(status: Int, toConnection: String?)
    /// The device waited for a response in vain.
    case timedOut(requestID: String?, reason: String)
    /// The device left without closing the connection.
    case abandoned
    /// Anything else worth reading in a transcript (TLS facts, accepted connections).
    case info(String)

    /// The requirement the note says was broken, if any.
    public var requirement: RequirementID? {
        switch self {
        case .closed(.violation(let requirement, _)): requirement
        case .refused(_, let requirement, _), .attestationRefused(let requirement, _), .malformed(let requirement, _): requirement
        case .undelivered(_, let requirement): requirement
        default: nil
        }
    }
}

/// Why a connection ended.
public enum CloseCause: Sendable, Hashable, Codable {
    /// The device sent MQTT DISCONNECT.
    case deviceDisconnected
    /// The peer closed the connection (TCP/TLS close without DISCONNECT).
    case peerClosed
    /// The service closed it because a protocol rule was broken.
    case violation(RequirementID, reason: String)
    /// The fault plan dropped it.
    case fault(reason: String)
    /// A phase took longer than its deadline (TLS handshake, CONNECT, request head, idle...).
    case deadline(phase: String, seconds: Double)
    /// The service was at its connection limit.
    case overloaded(limit: Int)
    /// A transport or TLS error.
    case error(String)
    /// The device closed it (device-side record).
    case byDevice
    /// The service closed it, as a recording proxy between device and service saw it: the
    /// proxy cannot know the service's reason.
    case byService

    /// Whether the service ended the connection (a broken rule, a fault, a deadline, a full
    /// service or a transport error) rather than the device.
    public var isServiceInitiated: Bool {
        switch self {
        case .deviceDisconnected, .peerClosed, .byDevice: false
        case .violation, .fault, .deadline, .overloaded, .error, .byService: true
        }
    }
}

/// A fault the fault plan enacted.
public enum FaultNote: Sendable, Hashable, Codable {
    case acknowledgementWithheld(MQTTPacketKind)
    case responseWithheld(status: Int)
    case responseDelayed(seconds: Double)
    case responseModified(String)
    case responseOverridden(status: Int)
    case connectionRefused(returnCode: Int)
    case subscriptionRefused
    case connectionDropped(String)
    case notApplicable(String)
}
