/// Why a simulated device did not get assigned. Counted per kind; detail text goes only to the
/// first example of each kind, and never holds a key or a signature.
public enum FleetErrorKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The TCP connection could not be made (refused, unreachable, name not resolved).
    case connectRefused
    /// The TLS handshake failed (untrusted certificate, wrong name, protocol).
    case tls
    /// A wait ran past its deadline (connect, handshake, or a response).
    case timeout
    /// CONNACK with a non-zero return code.
    case connackRefused
    /// A 4xx status other than 429.
    case status4xx
    /// 429 (throttled) or a 5xx status.
    case status5xxOr429
    /// The peer closed the connection while an answer was awaited.
    case connectionClosed
    /// Bytes or messages that do not follow MQTT, HTTP or the DPS model.
    case protocolError
    /// The operation ended in a status other than `assigned` (failed, disabled), or too many polls.
    case notAssigned

    public static func < (lhs: FleetErrorKind, rhs: FleetErrorKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The kind a response status falls in, nil for 2xx.
    static func forStatus(_ status: Int) -> FleetErrorKind? {
        switch status {
        case 200..<300: nil
        case 429, 500..<600: .status5xxOr429
        default: .status4xx
        }
    }
}

/// One device's failure: its kind and what happened, for the first example of each kind.
public struct FleetFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let kind: FleetErrorKind
    public let detail: String

    public init(_ kind: FleetErrorKind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
