import DPSCore
import Foundation
import MosquittoClient
import Synchronization

/// MQTT over TLS through libmosquitto (DPS port 8883, §2). One instance is one connection.
public final class MQTTDeviceTransport: ProvisioningTransport {
    public let host: String
    public let port: Int
    /// CA file that signs the server certificate (the system bundle for Azure).
    public let caFile: String
    private let mailbox = ResponseMailbox()
    private let connection = Mutex<MosquittoConnection?>(nil)
    private let reader = Mutex<Task<Void, Never>?>(nil)

    /// Debian's bundle of system trust anchors, used when no CA file is given.
    public static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

    public init(host: String, port: Int, caFile: String?) {
        self.host = host
        self.port = port
        self.caFile = caFile ?? Self.systemCABundle
    }

    public func open(credentials: TransportCredentials, timeout: Duration) async throws(TransportError) {
        guard let port = UInt16(exactly: port) else { throw TransportError(.connectFailed, "port \(port) is out of range") }
        let tls = MosquittoConfiguration.TLS(caFile: caFile, certificateFile: credentials.certificateFile, keyFile: credentials.keyFile)
        // CleanSession 1 and keepalive 60: DPS keeps no session (DOC-MQTT, pitfall H).
        let configuration = MosquittoConfiguration(host: host, port: port, clientID: credentials.username.registrationID,
                                                   username: credentials.username.text, password: credentials.sasToken,
                                                   cleanSession: true, keepAliveSeconds: 60, tls: tls)
        let client: MosquittoConnection
        do {
            client = try MosquittoConnection(configuration: configuration)
        } catch {
            throw TransportError(.connectFailed, "cannot set up the MQTT client: \(error.reason)")
        }
        connection.withLock { $0 = client }
        startReading(client)
        do {
            let code = try await client.connect(timeout: timeout)
            guard code.isAccepted else {
                throw TransportError(.refused, "server refused CONNECT: CONNACK \(code.rawValue) (\(code))", refusalCode: Int(code.rawValue))
            }
            // Subscribe before the first publish, or responses have nowhere to go (DPS-MQTT-SUB-001).
            let granted = try await client.subscribe(filter: DPSTopic.responseFilter, qos: .atLeastOnce, timeout: timeout)
            if granted.first == 0x80 {
                throw TransportError(.refused, "server refused the subscription to \(DPSTopic.responseFilter)")
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

    public func exchange(_ request: OutgoingRequest, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        guard let client = connection.withLock({ $0 }) else { throw TransportError(.failed, "exchange before open") }
        let topic: String
        switch request.kind {
        case .register:
            topic = DPSTopic.register(requestID: request.requestID)
        case .poll:
            topic = DPSTopic.poll(requestID: request.requestID, operationID: request.operationID ?? "")
        case .statusLookup:
            throw TransportError(.failed, "MQTT has no device registration status lookup")
        }
        do {
            try await client.publish(topic: topic, payload: request.body, qos: .atLeastOnce, timeout: timeout)
        } catch {
            throw Self.translate(error, while: "publishing the \(request.kind.rawValue) request")
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
        throw TransportError(.timeout, "no response to the \(request.kind.rawValue) request ($rid \(request.requestID)) within \(timeout)")
    }

    public func close() async {
        let client = connection.withLock { $0 }
        await client?.disconnect()
        reader.withLock { $0 }?.cancel()
    }

    private func startReading(_ client: MosquittoConnection) {
        let mailbox = self.mailbox
        let task = Task {
            do {
                for try await message in client.messages {
                    guard let topic = try? ResponseTopic(parsing: message.topic) else { continue }
                    await mailbox.deliver(rid: topic.rawRequestID,
                                          response: ServiceResponse(status: topic.status, retryAfter: topic.retryAfterText, body: message.payload))
                }
                await mailbox.end(TransportError(.connectionLost, "the connection was closed"))
            } catch let error as MosquittoError {
                await mailbox.end(Self.translate(error, while: "receiving"))
            } catch {
                await mailbox.end(TransportError(.connectionLost, "\(error)"))
            }
        }
        reader.withLock { $0 = task }
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
