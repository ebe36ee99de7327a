import CMosquitto

/// The CONNACK return code of MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices: 0 accepts the connection, 1 to 5 refuse it.
///
/// Values above 5 are reserved by the standard but kept as they arrived, so a conformance check can
/// report exactly what a server sent.
public struct ConnackReturnCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0: connection accepted.
    public static let accepted = ConnackReturnCode(rawValue: 0)
    /// 1: the server does not support MQTT protocol level 4.
    public static let unacceptableProtocolVersion = ConnackReturnCode(rawValue: 1)
    /// 2: the client identifier is well formed but not allowed.
    public static let identifierRejected = ConnackReturnCode(rawValue: 2)
    /// 3: the MQTT service is unavailable.
    public static let serverUnavailable = ConnackReturnCode(rawValue: 3)
    /// 4: the user name or password is malformed.
    public static let badUsernameOrPassword = ConnackReturnCode(rawValue: 4)
    /// 5: the client is not authorised to connect.
    public static let notAuthorized = ConnackReturnCode(rawValue: 5)

    /// Whether the server accepted the connection.
    public var isAccepted: Bool { rawValue == 0 }

    /// libmosquitto's wording for the code (`mosquitto_connack_string`).
    public var description: String {
        "\(rawValue) (\(String(cString: mosquitto_connack_string(Int32(rawValue)))))"
    }
}
