/// The one error type of the MosquittoClient module.
///
/// Match on `code` (stable); `reason` is for people and may change wording. Reasons never carry the
/// MQTT password or key material: they are built from libmosquitto/OpenSSL messages, field names and
/// configuration values other than secrets.
public struct MosquittoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable classification of a failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A configuration field is unusable (missing file, bad keepalive, NUL in a string, ...).
        case invalidConfiguration
        /// A call argument is unusable (topic or filter refused by libmosquitto, bad QoS, ...).
        case invalidArgument
        /// The call does not fit the connection's lifecycle (e.g. `connect` on a used connection).
        case invalidState
        /// The session is not (or no longer) connected.
        case notConnected
        /// The broker's host name could not be resolved.
        case nameResolution
        /// A TCP-level failure (refused, unreachable, reset) reported through `errno`.
        case network
        /// TLS setup or handshake failed (untrusted CA, host name mismatch, unusable key, ...).
        case tls
        /// The broker answered CONNECT with a non-zero CONNACK return code (see `connackCode`).
        case connectionRefused
        /// The connection ended without the caller asking for it.
        case connectionLost
        /// The deadline passed before the awaited reply arrived (see `awaited`).
        case timeout
        /// The broker violated MQTT (malformed or unexpected packet).
        case protocolViolation
        /// The payload exceeds what MQTT can carry.
        case payloadTooLarge
        /// The calling task was cancelled while waiting.
        case cancelled
        /// Any other libmosquitto failure; `libraryCode` holds the MOSQ_ERR_* value.
        case library
    }

    /// Stable code to match on.
    public let code: Code
    /// Human explanation naming the field, call or library message at fault.
    public let reason: String
    /// The libmosquitto `MOSQ_ERR_*` value behind this error, when there was one.
    public let libraryCode: Int32?
    /// The CONNACK return code, for `.connectionRefused`.
    public let connackCode: ConnackReturnCode?
    /// What was being waited for, for `.timeout` (and for errors that ended such a wait).
    public let awaited: MosquittoAwaited?
    /// Where in this module the error was raised (`#fileID:#line`), for diagnosis only.
    public let sourceLocation: String

    init(
        _ code: Code,
        _ reason: String,
        libraryCode: Int32? = nil,
        connackCode: ConnackReturnCode? = nil,
        awaited: MosquittoAwaited? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.libraryCode = libraryCode
        self.connackCode = connackCode
        self.awaited = awaited
        self.sourceLocation = "\(fileID):\(line)"
    }

    public var description: String {
        var text = "MosquittoError.\(code.rawValue): \(reason)"
        if let libraryCode { text += " [MOSQ_ERR \(libraryCode)]" }
        return text
    }
}

/// The reply a caller was waiting for when a deadline passed.
public enum MosquittoAwaited: String, Sendable, Hashable, CaseIterable {
    /// CONNACK after CONNECT (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    case connack
    /// SUBACK after SUBSCRIBE (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    case suback
    /// A QoS 0 PUBLISH leaving through the socket (there is no acknowledgement at QoS 0).
    case publishSent
    /// PUBACK after a QoS 1 PUBLISH (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    case puback
    /// PUBCOMP ending a QoS 2 exchange (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    case pubcomp
    /// DISCONNECT having been written before the socket closes (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    case disconnect
}
