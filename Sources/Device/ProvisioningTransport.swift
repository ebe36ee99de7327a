import DPSCore

/// A request the reference client sends, independent of transport.
public struct OutgoingRequest: Sendable, Hashable {
    public var kind: DeviceRequestKind
    /// The `$rid` (MQTT); fresh for every request (DPS-FLOW-RID-001). HTTPS has no request ID.
    public var requestID: String
    public var operationID: String?
    public var body: [UInt8]

    public init(kind: DeviceRequestKind, requestID: String, operationID: String? = nil, body: [UInt8] = []) {
        self.kind = kind
        self.requestID = requestID
        self.operationID = operationID
        self.body = body
    }
}

/// What the device needs to open a transport.
public struct TransportCredentials: Sendable, Hashable {
    /// Who the device says it is: ID scope, registration ID and api-version (MQTT username, HTTPS path).
    public var username: MQTTUsername
    /// SAS token text, if the credential uses SAS (MQTT password, HTTPS `Authorization` header).
    public var sasToken: String?
    /// Client certificate PEM file (leaf first, chain after it) for TLS, if the credential is X.509.
    public var certificateFile: String?
    /// Private key PEM file of the client certificate.
    public var keyFile: String?
    /// The MQTT username as sent. Always `username.text`, except for the mutant that writes
    /// `?api-version` (pitfall of DPS-MQTT-CONN-003).
    public var usernameText: String
    /// Whether the MQTT transport subscribes to the response filter before its first publish
    /// (DPS-MQTT-SUB-001). Only the mutant `publishes-before-subscribing` turns it off.
    public var subscribesBeforePublishing: Bool
    /// How packets and requests look on the wire: DPS's form, or one mutant's bent form.
    public var wireForm: WireForm = .reference
    /// The client certificate is not RFC 5280-valid (a DevKit Alias certificate); a TLS library
    /// that checks certificates it loads must be told to accept it.
    public var nonstandardClientCertificate: Bool = false

    public init(username: MQTTUsername, sasToken: String?, certificateFile: String? = nil, keyFile: String? = nil,
                usernameText: String? = nil, subscribesBeforePublishing: Bool = true) {
        self.username = username
        self.sasToken = sasToken
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.usernameText = usernameText ?? username.text
        self.subscribesBeforePublishing = subscribesBeforePublishing
    }
}

/// Why a transport operation failed.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// TCP/TLS could not be established.
        case connectFailed
        /// The server refused the connection (e.g. CONNACK 5); `refusalCode` holds it.
        case refused
        /// No response in time.
        case timeout
        /// The connection dropped.
        case connectionLost
        /// Anything else the transport could not do.
        case failed
    }

    public let code: Code
    public let reason: String
    public let refusalCode: Int?

    public init(_ code: Code, _ reason: String, refusalCode: Int? = nil) {
        self.code = code
        self.reason = reason
        self.refusalCode = refusalCode
    }

    public var description: String { reason }
}

/// The seam under the reference client: MQTT and HTTPS each implement it once, so the
/// provisioning logic is written once (docs/architecture.md, seams). One instance is one
/// connection; the client makes a new one to reconnect.
public protocol ProvisioningTransport: Sendable {
    /// Connects (MQTT: TLS, CONNECT, then SUBSCRIBE to the response filter before anything is published).
    func open(credentials: TransportCredentials, timeout: Duration) async throws(TransportError)
    /// Sends one request and waits up to `timeout` (real time) for its response.
    func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse
    /// Closes cleanly (MQTT DISCONNECT).
    func close() async
    /// Goes away without a goodbye (no MQTT DISCONNECT; the socket is simply closed). Only the
    /// mutant `never-disconnects` uses it.
    func abandon() async
    /// Returns once the connection has taken in what the service sent for `request` before it
    /// said it settled the request: the exchange ending then leaves nothing unread on the socket
    /// (a close with unread data is a TCP reset, which can lose the device's DISCONNECT).
    /// Returns at once when cancelled.
    func takenIn(_ request: OutgoingRequest) async
}

extension ProvisioningTransport {
    /// Transports without a separate notion of leaving silently just close.
    public func abandon() async { await close() }
    /// A transport whose requests are answered or not, with nothing sent before the answer
    /// (HTTP), has nothing to take in.
    public func takenIn(_ request: OutgoingRequest) async {}
}
