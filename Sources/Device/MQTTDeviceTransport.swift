import DPSCore
import Foundation
import MosquittoClient
import Synchronization

/// MQTT over TLS through libmosquitto (DPS port 8883, Microsoft Learn iot-dps-mqtt-support). One instance is one connection.
public final class MQTTDeviceTransport: ProvisioningTransport {
    public let host: String
    public let port: Int
    /// CA file that signs the server certificate (the system bundle for Azure).
    public let caFile: String
    private let log: DeviceWireLog?
    private let mailbox = ResponseMailbox()
    private let connection = Mutex<MosquittoConnection?>(nil)
    private let reader = Mutex<Task<Void, Never>?>(nil)
    /// Set when the subscription is still owed (only the mutant that publishes first).
    private let subscriptionOwed = Mutex(false)
    /// The wire form of the open connection's requests, and its client id.
    private let wireForm = Mutex(WireForm.reference)
    private let clientIDValue = Mutex("")
    private var clientIDText: String { clientIDValue.withLock { $0 } }
    private let name: String

    /// Debian's bundle of system trust anchors, used when no CA file is given.
    public static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

    /// A transport to `host:port`, trusting `caFile` (nil: the system bundle), recording what it
    /// exchanges into `log` when one is given.
    public init(host: String, port: Int, caFile: String?, log: DeviceWireLog? = nil) {
        self.host = host
        self.port = port
        self.caFile = caFile ?? Self.systemCABundle
        self.log = log
        self.name = log?.nextConnection(.mqtt) ?? "device-mqtt"
    }

    public func open(credentials: TransportCredentials, timeout: Duration) async throws(TransportError) {
        guard let port = UInt16(exactly: port) else { throw TransportError(.connectFailed, "port \(port) is out of range") }
        let form = credentials.wireForm
        let tls = MosquittoConfiguration.TLS(caFile: caFile, certificateFile: credentials.certificateFile, keyFile: credentials.keyFile,
                                             verifyHostname: form.verifiesServerHostname,
                                             lenientClientCertificate: credentials.nonstandardClientCertificate)
        let clientID = credentials.username.registrationID + form.clientIDSuffix
        wireForm.withLock { $0 = form }
        // CleanSession 1 and keepalive 60: DPS keeps no session (Microsoft Learn iot-dps-mqtt-support).
        let configuration = MosquittoConfiguration(host: host, port: port, clientID: clientID,
                                                   username: credentials.usernameText, password: credentials.sasToken,
                                                   cleanSession: true, keepAliveSeconds: 60, tls: tls)
        let client: MosquittoConnection
        do {
            client = try MosquittoConnection(configuration: configuration)
        } catch {
            throw TransportError(.connectFailed, "cannot set up the MQTT client: \(error.reason)")
        }
        connection.withLock { $0 = client }
        clientIDValue.withLock { $0 = clientID }
        startReading(client)
        record(.toService, .connect(MQTTConnectRecord(clientID: clientID, username: credentials.usernameText,
                                                      password: credentials.sasToken.map { Array($0.utf8) }, cleanSession: true, keepAliveSeconds: 60)))
        do {
            let code = try await client.connect(timeout: timeout)
            record(.toDevice, .connAck(returnCode: Int(code.rawValue), sessionPresent: false))
            guard code.isAccepted else {
                throw TransportError(.refused, "server refused CONNECT: CONNACK \(code.rawValue) (\(code))", refusalCode: Int(code.rawValue))
            }
            if credentials.subscribesBeforePublishing {
                // Subscribe before the first publish, or responses have nowhere to go (DPS-MQTT-SUB-001).
                try await subscribe(client, timeout: timeout)
            } else {
                subscriptionOwed.withLock { $0 = true }
            }
        } catch let error as TransportError {
            await client.disconnect()
            throw error
        } catch let error as MosquittoError {
            await client.disconnect()
            throw Self.translate(error, while: "connecting to \(host):\(port)")
        } catch {
            await client.disconnect()
            throw TransportError(.failed, "\(error)")
        }
    }

    private func subscribe(_ client: MosquittoConnection, timeout: Duration) async throws {
        record(.toService, .subscribe(packetID: 0, filters: [MQTTSubscriptionRecord(filter: DPSTopic.responseFilter, qos: 1)]))
        let granted = try await client.subscribe(filter: DPSTopic.responseFilter, qos: .atLeastOnce, timeout: timeout)
        record(.toDevice, .subAck(packetID: 0, returnCodes: granted.map { Int($0) }))
        if granted.first == 0x80 {
            throw TransportError(.refused, "server refused the subscription to \(DPSTopic.responseFilter)")
        }
    }

    public func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        guard let client = connection.withLock({ $0 }) else { throw TransportError(.failed, "exchange before open") }
        let form = wireForm.withLock { $0 }
        let topic: String
        switch request.kind {
        case .register:
            topic = form.registerTopic(requestID: request.requestID)
        case .poll:
            topic = form.pollTopic(requestID: request.requestID, operationID: request.operationID ?? "")
        case .statusLookup:
            throw TransportError(.failed, "MQTT has no device registration status lookup")
        }
        let qos = MosquittoQoS(rawValue: UInt8(form.requestQoS)) ?? .atLeastOnce
        do {
            if form.publishesTelemetry, request.kind == .register {
                // DPS-MQTT-TOPIC-001: the mutant sends telemetry as if DPS were its IoT hub.
                let telemetry = "devices/\(PercentEncoding.encode(clientIDText))/messages/events/"
                record(.toService, .publish(MQTTPublishRecord(topic: telemetry, qos: 1, duplicate: false, retain: false, packetID: nil, payload: Array("{}".utf8))))
                try await client.publish(topic: telemetry, payload: Array("{}".utf8), qos: .atLeastOnce, timeout: timeout)
            }
            record(.toService, .publish(MQTTPublishRecord(topic: topic, qos: Int(qos.rawValue), duplicate: false, retain: false, packetID: nil, payload: request.body)),
                   exchange: .request(request.kind, requestID: PercentEncoding.encode(request.requestID), registrationID: nil, operationID: request.operationID))
            try await client.publish(topic: topic, payload: request.body, qos: qos, timeout: timeout)
            if subscriptionOwed.withLock({ owed in defer { owed = false }; return owed }) {
                try await subscribe(client, timeout: timeout)
            }
        } catch let error as TransportError {
            throw error
        } catch let error as MosquittoError {
            throw Self.translate(error, while: "publishing the \(request.kind.rawValue) request")
        } catch {
            throw TransportError(.failed, "\(error)")
        }
        // The response topic carries $rid as the device encoded it.
        let rid = PercentEncoding.encode(request.requestID)
        let response = await withTaskGroup(of: ServiceResponse?.self) { group in
            group.addTask { await self.mailbox.response(for: rid) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let response { return response }
        if let ended = await mailbox.endError { throw ended }
        log?.note(name, .mqtt, .timedOut(requestID: request.requestID, reason: "no response within \(timeout)"))
        throw TransportError(.timeout, "no response to the \(request.kind.rawValue) request ($rid \(request.requestID)) within \(timeout)")
    }

    /// The acknowledgements come before the response wait (PUBACK, and the SUBACK a late
    /// subscription owes), and the answer, if one was sent, lands in the mailbox: either means
    /// everything the service sent for `request` has been read.
    public func takenIn(_ request: OutgoingRequest) async {
        await mailbox.takenIn(rid: PercentEncoding.encode(request.requestID))
    }

    public func close() async {
        let client = connection.withLock { $0 }
        if let client, client.state == .connected {
            record(.toService, .disconnect)
        }
        await client?.disconnect()
        reader.withLock { $0 }?.cancel()
    }

    /// Goes silent without DISCONNECT, as a device that never disconnects does (the mutant
    /// `never-disconnects`): the session stays up (libmosquitto keeps answering keepalive) until
    /// the server closes it, or at most `lingerLimit`; only then is the client released.
    public func abandon() async {
        log?.note(name, .mqtt, .abandoned)
        guard let client = connection.withLock({ $0 }), let reading = reader.withLock({ $0 }) else { return }
        let limit = Self.lingerLimit
        Task.detached {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await reading.value }
                group.addTask { try? await Task.sleep(for: limit) }
                await group.next()
                group.cancelAll()
            }
            withExtendedLifetime(client) {}
        }
    }

    /// How long an abandoned session may linger before its client is released.
    static let lingerLimit: Duration = .seconds(120)

    private func startReading(_ client: MosquittoConnection) {
        let mailbox = self.mailbox
        let log = self.log
        let name = self.name
        let task = Task {
            do {
                for try await message in client.messages {
                    let parsed = try? ResponseTopic(parsing: message.topic)
                    log?.record(name, .mqtt, .toDevice, .mqtt(.publish(MQTTPublishRecord(topic: message.topic, qos: 1, duplicate: false, retain: false,
                                                                                         packetID: nil, payload: message.payload))),
                                exchange: parsed.map { DPSExchange.response(to: nil, requestID: $0.rawRequestID, status: $0.status,
                                                                            retryAfter: $0.retryAfterText, body: message.payload) })
                    guard let topic = try? ResponseTopic(parsing: message.topic) else { continue }
                    await mailbox.deliver(rid: topic.rawRequestID,
                                          response: ServiceResponse(status: topic.status, retryAfter: topic.retryAfterText, body: message.payload))
                }
                await mailbox.end(TransportError(.connectionLost, "the connection was closed"))
            } catch let error as MosquittoError {
                log?.note(name, .mqtt, .closed(.error(error.reason)))
                await mailbox.end(Self.translate(error, while: "receiving"))
            } catch {
                await mailbox.end(TransportError(.connectionLost, "\(error)"))
            }
        }
        reader.withLock { $0 = task }
    }

    private func record(_ direction: WireEvent.Direction, _ packet: MQTTPacketRecord, exchange: DPSExchange? = nil) {
        log?.record(name, .mqtt, direction, .mqtt(packet), exchange: exchange)
    }

    static func translate(_ error: MosquittoError, while doing: String) -> TransportError {
        switch error.code {
        case .timeout: TransportError(.timeout, "timed out \(doing): \(error.reason)")
        case .connectionRefused: TransportError(.refused, "refused \(doing): \(error.reason)", refusalCode: error.connackCode.map { Int($0.rawValue) })
        case .tls, .network, .nameResolution: TransportError(.connectFailed, "\(error.code.rawValue) error \(doing): \(error.reason)")
        case .connectionLost, .notConnected: TransportError(.connectionLost, "connection lost \(doing): \(error.reason)")
        default: TransportError(.failed, "\(error.code.rawValue) error \(doing): \(error.reason)")
        }
    }
}
