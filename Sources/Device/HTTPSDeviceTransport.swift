import AsyncHTTPClient
import DPSCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// DPS over HTTPS (REST, port 443; DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices) through async-http-client. One instance
/// is one HTTP client with its own TLS identity; `open` sets it up and connects lazily.
///
/// Routes (DPS TypeSpec `routes.tsp`): register `PUT /{idScope}/registrations/{id}/register`, operation
/// status `GET /{idScope}/registrations/{id}/operations/{operationId}`, registration status
/// lookup `POST /{idScope}/registrations/{id}`, each with `?api-version=`. SAS credentials go in
/// `Authorization: SharedAccessSignature ...`; X.509 ones in the TLS handshake, with no header.
///
/// Time: every exchange, connecting (TCP, TLS), the response head and the whole body included,
/// ends within the `timeout` it is given (plus the few milliseconds of tearing the connection
/// down), however slowly the server answers. A connection that is never made (refused, or no
/// TLS session within the time) is `connectFailed`, at once when refused; a connection made and
/// then not answered in time is `timeout`.
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

    /// How long closing a connection waits for the server's TLS close_notify.
    static let tlsShutdownTimeout: TimeAmount = .milliseconds(500)

    /// Longest response body read; DPS messages are at most 96 KB (Microsoft Learn DPS quotas and limits).
    static let maximumBodyBytes = 256 * 1024

    private struct Session: Sendable {
        let client: HTTPClient
        let credentials: TransportCredentials
        /// The TLS set-up, for the raw request of the malformed-message mutant.
        let tls: TLSConfiguration
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
        // Closing waits this long for the server's close_notify (NIOSSL's default is 5 s): a
        // server that stalls must not hold the device past its deadline when it hangs up.
        tls.shutdownTimeout = Self.tlsShutdownTimeout
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
        // A refused connection fails the request at once, as on MQTT, instead of being retried
        // by the pool until the deadline; the reference client decides about retrying.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let previous = state.withLock { session in
            defer { session = Session(client: client, credentials: credentials, tls: tls) }
            return session
        }
        if let previous { try? await previous.client.shutdown() }
    }

    public func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        guard let session = state.withLock({ $0 }) else { throw TransportError(.failed, "exchange before open") }
        let identity = session.credentials.username
        var body: [UInt8]? = request.body
        let operation: DPSRoute.Operation
        switch request.kind {
        case .register:
            operation = .register
        case .poll:
            operation = .operationStatus(operationID: request.operationID ?? "")
            body = nil
        case .statusLookup:
            operation = .statusLookup
        }
        // The route grammar of DPSCore, the same the fake and the checks read (DPS-HTTP-ROUTE-001).
        let route = DPSRoute(operation: operation, idScope: identity.idScope, registrationID: identity.registrationID, apiVersion: identity.apiVersion)
        // The wire-form mutants bend the method or drop the api-version.
        let (method, path) = session.credentials.wireForm.http(route)
        let verb: HTTPMethod = switch method {
        case "GET": .GET
        case "POST": .POST
        default: .PUT
        }
        // Header names and values as the C and Node SDKs send them (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: "dpsconform-device/1")
        if body != nil {
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        }
        if let token = session.credentials.sasToken {
            headers.add(name: "Authorization", value: token)
        }
        let malformed = session.credentials.wireForm.malformedHeader && request.kind == .register
        var recordedHeaders = headers.map { (name: $0.name, value: $0.value) }
        if malformed { recordedHeaders.append((name: WireForm.malformedHeaderLine, value: "")) }
        let sent = HTTPRequestRecord(method: method, target: path, version: "HTTP/1.1", headers: recordedHeaders, body: body ?? [])
        let pairing = "\(name)/\(requestNumber.next())"
        log?.record(name, .https, .toService, .httpRequest(sent),
                    exchange: sent.route.map { .request($0.kind, requestID: pairing, registrationID: $0.registrationID, operationID: $0.operationID) })
        if malformed {
            // DPS-HTTP-MSG-001: a header line without a colon, written byte for byte.
            var text = "\(method) \(path) HTTP/1.1\r\nHost: \(Self.authority(host: host, port: port))\r\n"
            for header in headers { text += "\(header.name): \(header.value)\r\n" }
            text += "\(WireForm.malformedHeaderLine)\r\nContent-Length: \(body?.count ?? 0)\r\nConnection: close\r\n\r\n"
            let response = try await RawHTTPSExchange.send(Array(text.utf8) + (body ?? []), host: host, port: port, tls: session.tls, timeout: timeout)
            log?.record(name, .https, .toDevice, .httpResponse(HTTPResponseRecord(status: response.status, reason: "", headers: [], body: response.body)),
                        exchange: .response(to: request.kind, requestID: pairing, status: response.status, retryAfter: response.retryAfter, body: response.body))
            return response
        }
        do {
            let outgoing = try HTTPClient.Request(url: "https://\(Self.authority(host: host, port: port))\(path)", method: verb, headers: headers,
                                                  body: body.map { .byteBuffer(ByteBuffer(bytes: $0)) })
            let response = try await Self.perform(outgoing, on: session.client, timeout: timeout, doing: "\(method) \(path)")
            let retryAfter = response.head.headers.first(name: "Retry-After")
            let received = HTTPResponseRecord(status: Int(response.head.status.code), reason: response.head.status.reasonPhrase,
                                              headers: response.head.headers.map { (name: $0.name, value: $0.value) }, body: response.body)
            log?.record(name, .https, .toDevice, .httpResponse(received),
                        exchange: .response(to: request.kind, requestID: pairing, status: received.status, retryAfter: retryAfter, body: response.body))
            return ServiceResponse(status: Int(response.head.status.code), retryAfter: retryAfter, body: response.body)
        } catch {
            let failure = (error as? TransportError) ?? Self.translate(error, while: "\(method) \(path)")
            log?.note(name, .https, failure.code == .timeout ? .timedOut(requestID: pairing, reason: failure.reason) : .closed(.error(failure.reason)))
            throw failure
        }
    }

    /// Runs one request to its end (head and whole body) or until `timeout` has passed, whichever
    /// is first: async-http-client's own deadline stops at the response head, so a body that
    /// stalls would otherwise be waited for without end. At the deadline the request is failed,
    /// which closes its connection.
    static func perform(_ request: HTTPClient.Request, on client: HTTPClient, timeout: Duration, doing: String) async throws -> ResponseCollector.Received {
        let collector = ResponseCollector(limit: maximumBodyBytes)
        let deadline = NIODeadline.now() + timeAmount(timeout)
        let task = client.execute(request: request, delegate: collector, deadline: deadline)
        let guardTimer = task.eventLoop.scheduleTask(deadline: deadline) {
            collector.markDeadlinePassed()
            task.fail(reason: HTTPClientError.deadlineExceeded)
        }
        defer { guardTimer.cancel() }
        do {
            // Cancelled (the service said it settled the request without answering), the wait
            // ends as at the deadline.
            return try await withTaskCancellationHandler {
                try await task.get()
            } onCancel: {
                collector.markDeadlinePassed()
                task.fail(reason: HTTPClientError.deadlineExceeded)
            }
        } catch {
            guard collector.deadlinePassed || (error as? HTTPClientError) == .deadlineExceeded else { throw error }
            // No TLS session in the time is no connection at all; after the request went out it is an unanswered request.
            if collector.requestSent {
                throw TransportError(.timeout, "timed out \(doing): \(collector.progress) within \(timeout)")
            }
            throw TransportError(.connectFailed, "could not connect \(doing): no connection within \(timeout)")
        }
    }

    /// Collects one response (at most `limit` body bytes) and notes how far the exchange got.
    final class ResponseCollector: HTTPClientResponseDelegate {
        struct Received: Sendable {
            let head: HTTPResponseHead
            let body: [UInt8]
        }

        struct BodyTooLarge: Error, CustomStringConvertible {
            let limit: Int
            var description: String { "the response body is larger than \(limit) bytes" }
        }

        private struct State {
            var requestSent = false
            var head: HTTPResponseHead?
            var body: [UInt8] = []
            var deadlinePassed = false
        }

        let limit: Int
        private let state = Mutex(State())

        init(limit: Int) { self.limit = limit }

        var requestSent: Bool { state.withLock { $0.requestSent } }
        var deadlinePassed: Bool { state.withLock { $0.deadlinePassed } }
        func markDeadlinePassed() { state.withLock { $0.deadlinePassed = true } }

        /// How far the exchange got, for the timeout message.
        var progress: String {
            state.withLock { state in
                guard let head = state.head else { return "no response head" }
                let length = head.headers.first(name: "Content-Length").map { " of \($0)" } ?? ""
                return "\(head.status.code) response body incomplete (\(state.body.count)\(length) bytes)"
            }
        }

        func didSendRequestHead(task: HTTPClient.Task<Received>, _ head: HTTPRequestHead) {
            state.withLock { $0.requestSent = true }
        }

        func didReceiveHead(task: HTTPClient.Task<Received>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            state.withLock { $0.head = head }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<Received>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            let fits = state.withLock { state -> Bool in
                guard state.body.count + buffer.readableBytes <= limit else { return false }
                state.body.append(contentsOf: buffer.readableBytesView)
                return true
            }
            return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(BodyTooLarge(limit: limit))
        }

        func didFinishRequest(task: HTTPClient.Task<Received>) throws -> Received {
            try state.withLock { state in
                guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
                return Received(head: head, body: state.body)
            }
        }
    }

    public func close() async {
        let session = state.withLock { session in
            defer { session = nil }
            return session
        }
        guard let client = session?.client else { return }
        await Self.shutdown(client, within: Self.closeLimit)
    }

    /// How long closing waits for the client's shutdown; the shutdown goes on after it.
    static let closeLimit: Duration = .seconds(1)

    /// Shuts `client` down, waiting at most `limit`: a server that never answers the TLS
    /// close must not hold the device (its connections are closed either way).
    static func shutdown(_ client: HTTPClient, within limit: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let pending = Mutex<CheckedContinuation<Void, Never>?>(continuation)
            let finish: @Sendable () -> Void = {
                pending.withLock { waiting in
                    defer { waiting = nil }
                    return waiting
                }?.resume()
            }
            Task {
                try? await client.shutdown()
                finish()
            }
            Task {
                try? await Task.sleep(for: limit)
                finish()
            }
        }
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
        if let error = error as? ResponseCollector.BodyTooLarge {
            return TransportError(.failed, "\(doing) failed: \(error)")
        }
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
        if let error = error as? ChannelError, case .connectTimeout = error {
            return TransportError(.connectFailed, "could not connect \(doing): \(error)")
        }
        if error is ChannelError {
            return TransportError(.connectionLost, "connection lost \(doing): \(error)")
        }
        // Connection set-up errors (NIOPosix's NIOConnectionError and kin) are the rest.
        return TransportError(.connectFailed, "could not connect \(doing): \(error)")
    }
}
