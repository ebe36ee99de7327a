import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One MQTT 3.1.1 session with a broker (for DPS: the device's link to a DPS endpoint), carried by
/// libmosquitto over TLS.
///
/// A connection is used once: `connect`, traffic, `disconnect`. It never reconnects by itself; after
/// any end (refusal, loss, timeout, disconnect) create a new one, and release the old one: its
/// socket and C object are freed when the last reference goes. Every wait takes a deadline and
/// fails with `.timeout` naming the awaited packet when it passes.
public final class MosquittoConnection: Sendable {
    let configuration: MosquittoConfiguration
    let handle: LibraryHandle

    /// Creates the libmosquitto client object; no network traffic yet.
    public init(configuration: MosquittoConfiguration) throws(MosquittoError) {
        try configuration.validate()
        self.configuration = configuration
        let bridge = SessionBridge(endpoint: "\(configuration.host):\(configuration.port)")
        handle = try LibraryHandle(configuration: configuration, bridge: bridge)
    }

    /// Application messages the broker delivers on this session's subscriptions, in arrival order.
    ///
    /// Finishes normally after `disconnect`; finishes with a `MosquittoError` when the session ends
    /// any other way (`.connectionLost`, `.tls`, `.connectionRefused`, `.timeout`, ...). Iterate it
    /// from one task only.
    public var messages: AsyncThrowingStream<MosquittoMessage, any Error> {
        handle.bridge.messages
    }

    /// Where the session is now; `.closed` carries why it ended.
    public var state: MosquittoConnectionState {
        handle.bridge.state
    }

    /// Opens TCP and TLS, sends CONNECT and waits for CONNACK.
    ///
    /// - Returns: the CONNACK return code: `.accepted`, or the broker's refusal (e.g.
    ///   `.notAuthorized`, 5), after which the session is closed.
    /// - Throws: `.tls`, `.network`, `.nameResolution`, `.timeout` (awaited `.connack`), ...; the
    ///   session is closed then, too.
    public func connect(timeout: Duration) async throws(MosquittoError) -> ConnackReturnCode {
        let bridge = handle.bridge
        try bridge.beginConnecting()
        bridge.requestWillBeSent()
        handle.startConnecting(host: configuration.host, port: configuration.port,
                               keepAliveSeconds: configuration.keepAliveSeconds)
        let reply: SessionReply
        do {
            reply = try await bridge.reply(for: .connack, awaited: .connack, within: timeout, claimsRequest: true)
        } catch {
            // A half-open session is of no use; the loop thread is stopped behind any blocking connect.
            bridge.close(error)
            handle.scheduleStop()
            throw error
        }
        guard case .connack(let code) = reply else {
            throw MosquittoError(.library, "unexpected reply \(reply) to CONNECT")
        }
        if !code.isAccepted { handle.scheduleStop() }
        return code
    }

    /// Sends SUBSCRIBE for one topic filter and waits for SUBACK.
    ///
    /// - Returns: the granted QoS list from SUBACK (one entry; 0x80 means the broker refused the filter).
    public func subscribe(filter: String, qos: MosquittoQoS, timeout: Duration) async throws(MosquittoError) -> [UInt8] {
        if filter.utf8.contains(0) { throw MosquittoError(.invalidArgument, "subscription filter contains a NUL byte") }
        let bridge = handle.bridge
        try bridge.requireConnected(for: "subscribe to '\(filter)'")
        bridge.requestWillBeSent()
        var messageID: Int32 = 0
        let rc = mosquitto_subscribe(handle.raw, &messageID, filter, Int32(qos.rawValue))
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            let systemError = errno
            bridge.requestNotSent()
            throw MosquittoError.library(rc, systemError: systemError, context: "mosquitto_subscribe to '\(filter)'")
        }
        let reply = try await bridge.reply(for: .suback(messageID: messageID), awaited: .suback,
                                           within: timeout, claimsRequest: true)
        guard case .suback(let granted) = reply else {
            throw MosquittoError(.library, "unexpected reply \(reply) to SUBSCRIBE")
        }
        return granted
    }

    /// Sends PUBLISH and waits until it is done: written to the socket at QoS 0, PUBACK received at
    /// QoS 1, PUBCOMP received at QoS 2.
    public func publish(
        topic: String, payload: [UInt8], qos: MosquittoQoS, retain: Bool = false, timeout: Duration
    ) async throws(MosquittoError) {
        if topic.utf8.contains(0) { throw MosquittoError(.invalidArgument, "topic contains a NUL byte") }
        // MQTT 3.1.1 Microsoft Learn iot-dps-mqtt-support: the remaining length field tops out at 268,435,455 bytes.
        if payload.count > 268_435_455 {
            throw MosquittoError(.payloadTooLarge, "payload of \(payload.count) bytes exceeds MQTT's 268435455-byte packet limit")
        }
        let bridge = handle.bridge
        try bridge.requireConnected(for: "publish to '\(topic)'")
        bridge.requestWillBeSent()
        var messageID: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle.raw, &messageID, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos.rawValue), retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            let systemError = errno
            bridge.requestNotSent()
            throw MosquittoError.library(rc, systemError: systemError, context: "mosquitto_publish to '\(topic)'")
        }
        let awaited: MosquittoAwaited = switch qos {
        case .atMostOnce: .publishSent
        case .atLeastOnce: .puback
        case .exactlyOnce: .pubcomp
        }
        _ = try await bridge.reply(for: .publication(messageID: messageID), awaited: awaited,
                                   within: timeout, claimsRequest: true)
    }

    /// Sends DISCONNECT (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices), waits for the socket to close and stops the loop thread.
    ///
    /// Never throws: the session is closed afterwards in every case. Only the first call does the work.
    /// - Returns: `true` if DISCONNECT was written before `timeout`; `false` if the session was not
    ///   connected or the DISCONNECT could not be written in time (the socket is closed anyway).
    @discardableResult
    public func disconnect(timeout: Duration = .seconds(2)) async -> Bool {
        let bridge = handle.bridge
        guard case .sendDisconnect = bridge.beginDisconnecting() else {
            handle.scheduleStop()
            return false
        }
        bridge.requestWillBeSent()
        let rc = mosquitto_disconnect(handle.raw)
        var clean = false
        if rc == MOSQ_ERR_SUCCESS.rawValue {
            do {
                _ = try await bridge.reply(for: .disconnect, awaited: .disconnect, within: timeout, claimsRequest: true)
                clean = true
            } catch {
                clean = false
            }
        } else {
            bridge.requestNotSent()
        }
        bridge.close(nil)
        await handle.stopLoop()
        return clean
    }
}
