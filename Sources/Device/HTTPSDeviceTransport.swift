import AsyncHTTPClient
import DPSCore
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// DPS over HTTPS (REST, port 443; DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices) through async-http-client. One instance
/// is one HTTP client with its own TLS identity; `open` sets it up and connects lazily.
///
/// Routes (SPEC `routes.tsp`): register `PUT /{idScope}/registrations/{id}/register`, operation
/// status `GET /{idScope}/registrations/{id}/operations/{operationId}`, registration status
/// lookup `POST /{idScope}/registrations/{id}`, each with `?api-version=`. SAS credentials go in
/// `Authorization: SharedAccessSignature ...`; X.509 ones in the TLS handshake, with no header.
public final class HTTPSDeviceTransport: ProvisioningTransport {
    public let host: String
    public let port: Int
    /// CA file that signs the server certificate; nil means the system trust store.
    public let caFile: String?
    private let log: DeviceWireLog?
    private let name: String
    private let state = Mutex<Session?>(nil)
    /// Numbers requests for the transcript's pairing of requests and responses.
    private let requestNumber = ConnectionCounter()

    /// Longest response body read; DPS messages are at most 96 KB (Microsoft Learn DPS quotas and limits).
    static let maximumBodyBytes = 256 * 1024

    private struct Session: Sendable {
        let client: HTTPClient
        let credentials: TransportCredentials
    }

    /// A transport to `host:port`, trusting `caFile` (nil: the system trust store).
    public init(host: String, port: Int, caFile: String?, log: DeviceWireLog? = nil) {
        self.host = host
        self.port = port
        self.caFile = caFile
        self.log = log
        self.name = log?.nextConnection(.https) ?? "device-https"
    }

    public func open(credentials: TransportCredentials, timeout: Duration) async throws(TransportError) {
        guard (1...65535).contains(port) else { throw TransportError(.connectFailed, "port \(port) is out of range") }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let caFile {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
            if let certificateFile = credentials.certificateFile, let keyFile = credentials.keyFile {
                // The chain is sent leaf first, as the file holds it (Microsoft Learn concepts-x509-attestation device chain requirements).
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
        } catch {
            throw TransportError(.connectFailed, "TLS material unusable: \(error)")
        }
        if !credentials.wireForm.verifiesServerHostname { tls.certificateVerification = .noHostnameVerification }
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: Self.timeAmount(timeout))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let previous = state.withLock { session in
            defer { session = Session(client: client, credentials: credentials) }
            return session
        }
        if let previous { try? await previous.client.shutdown() }
    }

    public func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        guard let session = state.withLock({ $0 }) else { throw TransportError(.failed, "exchange before open") }
        let identity = session.credentials.username
        var body: [UInt8]? = request.body
        var outgoing = HTTPClientRequest(url: "")
        let operation: DPSRoute.Operation
        switch request.kind {
        case .register:
            (operation, outgoing.method) = (.register, .PUT)
        case .poll:
            (operation, outgoing.method) = (.operationStatus(operationID: request.operationID ?? ""), .GET)
            body = nil
        case .statusLookup:
            (operation, outgoing.method) = (.statusLookup, .POST)
        }
        // The route grammar of DPSCore, the same the fake and the checks read (DPS-HTTP-ROUTE-001).
        let route = DPSRoute(operation: operation, idScope: identity.idScope, registrationID: identity.registrationID, apiVersion: identity.apiVersion)
        // The wire-form mutants bend the method or drop the api-version.
        let (method, path) = session.credentials.wireForm.http(route)
        switch method {
        case "GET": outgoing.method = .GET
        case "POST": outgoing.method = .POST
        default: outgoing.method = .PUT
        }
        outgoing.url = "https://\(Self.authority(host: host, port: port))\(path)"
        // Header names and values as the C and Node SDKs send them (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
        outgoing.headers.add(name: "Accept", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: "dpsconform-device/1")
        if let body {
            outgoing.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        if let token = session.credentials.sasToken {
            outgoing.headers.add(name: "Authorization", value: token)
        }
        let sent = HTTPRequestRecord(method: method, target: path, version: "HTTP/1.1",
                                     headers: outgoing.headers.map { (name: $0.name, value: $0.value) }, body: body ?? [])
        let pairing = "\(name)/\(requestNumber.next())"
        log?.record(name, .https, .toService, .httpRequest(sent),
                    exchange: sent.route.map { .request($0.kind, requestID: pairing, registrationID: $0.registrationID, operationID: $0.operationID) })
        do {
            let response = try await session.client.execute(outgoing, timeout: Self.timeAmount(timeout))
            let collected = try await response.body.collect(upTo: Self.maximumBodyBytes)
            let bytes = Array(buffer: collected)
            let retryAfter = response.headers.first(name: "Retry-After")
            let received = HTTPResponseRecord(status: Int(response.status.code), reason: response.status.reasonPhrase,
                                              headers: response.headers.map { (name: $0.name, value: $0.value) }, body: bytes)
            log?.record(name, .https, .toDevice, .httpResponse(received),
                        exchange: .response(to: request.kind, requestID: pairing, status: received.status, retryAfter: retryAfter, body: bytes))
            return ServiceResponse(status: Int(response.status.code), retryAfter: retryAfter, body: bytes)
        } catch {
            let failure = Self.translate(error, while: "\(method) \(path)")
            log?.note(name, .https, failure.code == .timeout ? .timedOut(requestID: pairing, reason: failure.reason) : .closed(.error(failure.reason)))
            throw failure
        }
    }

    public func close() async {
        let session = state.withLock { session in
            defer { session = nil }
            return session
        }
        try? await session?.client.shutdown()
    }


    /// A path segment: registration IDs and operation IDs percent-encoded outside RFC 3986 unreserved.
    static func segment(_ text: String) -> String { PercentEncoding.encode(text) }

    /// `host:port`, with IPv6 literals in brackets.
    static func authority(host: String, port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .milliseconds(Int64(max(duration.milliseconds, 1)))
    }

    static func translate(_ error: any Error, while doing: String) -> TransportError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return TransportError(.timeout, "timed out \(doing)")
            case .connectTimeout, .tlsHandshakeTimeout:
                return TransportError(.connectFailed, "could not connect \(doing): \(error)")
            case .remoteConnectionClosed, .cancelled:
                return TransportError(.connectionLost, "connection lost \(doing): \(error)")
            default:
                return TransportError(.failed, "\(doing) failed: \(error)")
            }
        }
        if error is NIOSSLError || error is BoringSSLError {
            return TransportError(.connectFailed, "TLS failed \(doing): \(error)")
        }
        if let error = error as? IOError {
            let refused: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ETIMEDOUT]
            return refused.contains(error.errnoCode)
                ? TransportError(.connectFailed, "could not connect \(doing): \(error)")
                : TransportError(.connectionLost, "connection lost \(doing): \(error)")
        }
        if error is ChannelError {
            return TransportError(.connectionLost, "connection lost \(doing): \(error)")
        }
        // Connection set-up errors (NIOPosix's NIOConnectionError and kin) are the rest.
        return TransportError(.connectFailed, "could not connect \(doing): \(error)")
    }
}
