import CMosquitto
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// mosquitto_lib_init runs exactly once per process (Swift initialises globals once, thread-safely);
/// mosquitto_lib_cleanup is never called because connections may live until the process exits.
private let libraryInitialisation: Int32 = mosquitto_lib_init()

/// Owns one `struct mosquitto`: configures it, connects it, runs and stops libmosquitto's loop
/// thread (mosquitto_loop_start/stop) and destroys it.
///
/// Ownership: the C object holds one retain of the `SessionBridge` (its userdata) from
/// mosquitto_new until after mosquitto_destroy; callbacks never outlive the loop thread, which is
/// always joined before destroy.
final class LibraryHandle: Sendable {
    /// nonisolated(unsafe): the pointer never changes and libmosquitto (built WITH_THREADING) guards
    /// the object behind it with its own mutexes; destroy runs only after the loop thread is joined.
    nonisolated(unsafe) let raw: OpaquePointer
    let bridge: SessionBridge
    private let retainedBridge: Unmanaged<SessionBridge>
    /// nonisolated(unsafe): an SSL_CTX built here (lenient client certificates), owned by this
    /// handle, used by libmosquitto only, freed after mosquitto_destroy.
    nonisolated(unsafe) private let clientContext: OpaquePointer?
    /// Serial queue for the calls that block (TCP connect, thread join), kept off the cooperative pool.
    private let controlQueue = DispatchQueue(label: "MosquittoClient.LibraryHandle")

    init(configuration: MosquittoConfiguration, bridge: SessionBridge) throws(MosquittoError) {
        if libraryInitialisation != MOSQ_ERR_SUCCESS.rawValue {
            throw MosquittoError.library(libraryInitialisation, systemError: errno, context: "mosquitto_lib_init")
        }
        let retained = Unmanaged.passRetained(bridge)
        // MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices: a zero-byte client identifier is sent when none is given.
        let clientID: String? = configuration.clientID.isEmpty ? nil : configuration.clientID
        guard let raw = mosquitto_new(clientID, configuration.cleanSession, retained.toOpaque()) else {
            let systemError = errno
            retained.release()
            throw MosquittoError(.library, "mosquitto_new failed: \(String(cString: strerror(systemError)))")
        }
        let context: OpaquePointer?
        do {
            context = try Self.configure(raw, with: configuration)
        } catch {
            mosquitto_destroy(raw)
            retained.release()
            throw error
        }
        self.clientContext = context
        Self.installCallbacks(on: raw)
        self.raw = raw
        self.bridge = bridge
        self.retainedBridge = retained
    }

    deinit {
        // Teardown joins a thread, so it runs on the control queue, after any connect still blocking it.
        nonisolated(unsafe) let raw = raw
        let bridge = bridge
        let retained = retainedBridge
        nonisolated(unsafe) let context = clientContext
        controlQueue.async {
            Self.stopLoopNow(raw: raw, bridge: bridge)
            mosquitto_destroy(raw)
            if let context { SSL_CTX_free(context) }
            retained.release()
        }
    }

    /// Configures `raw`; returns the SSL_CTX it built, if any (the caller owns it).
    private static func configure(_ raw: OpaquePointer, with configuration: MosquittoConfiguration) throws(MosquittoError) -> OpaquePointer? {
        try check(mosquitto_int_option(raw, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "setting MQTT 3.1.1")
        if let username = configuration.username {
            // The password is handed to libmosquitto only; error reasons name the call, never the value.
            try check(mosquitto_username_pw_set(raw, username, configuration.password), "mosquitto_username_pw_set")
        }
        // Reconnecting is the caller's decision: on_disconnect pins libmosquitto's state, and should the
        // loop still reach its reconnect branch it sleeps for an hour instead (loop_stop wakes it).
        try check(mosquitto_reconnect_delay_set(raw, 3600, 3600, false), "mosquitto_reconnect_delay_set")
        guard let tls = configuration.tls else { return nil }
        var context: OpaquePointer?
        if tls.lenientClientCertificate, let certificate = tls.certificateFile, let key = tls.keyFile {
            context = try lenientContext(certificateFile: certificate, keyFile: key, caFile: tls.caFile,
                                         host: tls.verifyHostname ? configuration.host : nil)
            // libmosquitto uses this context as it is (its defaults, applied on top, fail the
            // server verification in 2.0.11); the CA, peer verification and host are set in it.
            try check(mosquitto_opts_set(raw, MOSQ_OPT_SSL_CTX, UnsafeMutableRawPointer(context)), "mosquitto_opts_set (MOSQ_OPT_SSL_CTX)")
            try check(mosquitto_int_option(raw, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0), "mosquitto_int_option (MOSQ_OPT_SSL_CTX_WITH_DEFAULTS)")
            try check(mosquitto_tls_set(raw, tls.caFile, nil, nil, nil) { _, _, _, _ in 0 }, "mosquitto_tls_set (tls.caFile)")
        } else {
            // The passphrase callback answers "none", so an encrypted key fails instead of prompting on a terminal.
            try check(mosquitto_tls_set(raw, tls.caFile, nil, tls.certificateFile, tls.keyFile) { _, _, _, _ in 0 },
                      "mosquitto_tls_set (tls.caFile, tls.certificateFile, tls.keyFile)")
        }
        // cert_reqs 1 = SSL_VERIFY_PEER: the server certificate must chain to tls.caFile.
        try check(mosquitto_tls_opts_set(raw, 1, tls.version?.rawValue, nil), "mosquitto_tls_opts_set (tls.version)")
        try check(mosquitto_tls_insecure_set(raw, !tls.verifyHostname), "mosquitto_tls_insecure_set")
        return context
    }

    /// A client SSL_CTX holding `certificateFile` and `keyFile`, loaded with
    /// SSL_CTX_use_certificate_file, which accepts a certificate whose extensions OpenSSL 3
    /// rejects (it queues the complaint but loads the certificate; the queue is cleared).
    /// Server verification is set up here too (CA, peer verification, host name or IP), because
    /// libmosquitto leaves a context it was handed as it is.
    private static func lenientContext(certificateFile: String, keyFile: String, caFile: String, host: String?) throws(MosquittoError) -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw MosquittoError(.tls, "SSL_CTX_new failed")
        }
        defer { ERR_clear_error() }
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
            SSL_CTX_free(context)
            throw MosquittoError(.invalidConfiguration, "cannot load the CA file \(caFile)")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let host, let parameters = SSL_CTX_get0_param(context) {
            // An address literal is checked against IP SANs, a name against DNS SANs (RFC 6125).
            let bound = X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 || X509_VERIFY_PARAM_set1_host(parameters, host, 0) == 1
            guard bound else {
                SSL_CTX_free(context)
                throw MosquittoError(.invalidConfiguration, "cannot set the expected server name \(host)")
            }
        }
        guard SSL_CTX_use_certificate_file(context, certificateFile, SSL_FILETYPE_PEM) == 1 else {
            SSL_CTX_free(context)
            throw MosquittoError(.invalidConfiguration, "cannot load the client certificate \(certificateFile)")
        }
        ERR_clear_error()
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            SSL_CTX_free(context)
            throw MosquittoError(.invalidConfiguration, "cannot load the client key \(keyFile), or it does not match the certificate")
        }
        return context
    }

    private static func check(_ rc: Int32, _ call: String) throws(MosquittoError) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            let error = MosquittoError.library(rc, systemError: errno, context: call)
            throw MosquittoError(error.code == .invalidArgument ? .invalidConfiguration : error.code,
                                 error.reason, libraryCode: rc)
        }
    }

    /// Callbacks run on libmosquitto's loop thread (log lines also on the connecting thread).
    private static func installCallbacks(on raw: OpaquePointer) {
        mosquitto_connect_callback_set(raw) { _, userdata, rc in
            SessionBridge.from(userdata)?.connackArrived(rc)
        }
        mosquitto_subscribe_callback_set(raw) { _, userdata, messageID, count, granted in
            guard let bridge = SessionBridge.from(userdata) else { return }
            var grantedQoS: [UInt8] = []
            if let granted, count > 0 {
                grantedQoS = (0..<Int(count)).map { UInt8(clamping: granted[$0]) }
            }
            bridge.subackArrived(messageID: messageID, grantedQoS: grantedQoS)
        }
        mosquitto_publish_callback_set(raw) { _, userdata, messageID in
            SessionBridge.from(userdata)?.publicationCompleted(messageID: messageID)
        }
        mosquitto_message_callback_set(raw) { _, userdata, message in
            guard let bridge = SessionBridge.from(userdata), let message = message?.pointee else { return }
            // The message is only valid during the callback: copy topic and payload out.
            let topic = message.topic.map { String(cString: $0) } ?? ""
            var payload: [UInt8] = []
            if let bytes = message.payload, message.payloadlen > 0 {
                payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
            }
            let qos = MosquittoQoS(rawValue: UInt8(clamping: message.qos)) ?? .atMostOnce
            bridge.messageArrived(MosquittoMessage(topic: topic, payload: payload, qos: qos, retain: message.retain))
        }
        mosquitto_disconnect_callback_set(raw) { mosq, userdata, rc in
            let systemError = errno
            SessionBridge.from(userdata)?.connectionEnded(rc: rc, systemError: systemError)
            // Pins libmosquitto's state to "disconnected" so mosquitto_loop_forever returns instead of
            // reconnecting by itself; the socket is already closed, so nothing is sent.
            _ = mosquitto_disconnect(mosq)
        }
        mosquitto_log_callback_set(raw) { _, userdata, level, line in
            guard level == MOSQ_LOG_ERR, let line else { return }
            SessionBridge.from(userdata)?.libraryLogged(level: level, line: String(cString: line))
        }
    }

    /// Connects on the control queue (mosquitto_connect blocks for name lookup and TCP connect; its
    /// asynchronous variant never reports a refused TLS connection), then starts the loop thread.
    /// Outcomes reach the caller through `bridge`.
    func startConnecting(host: String, port: UInt16, keepAliveSeconds: UInt16) {
        controlQueue.async { [self] in
            errno = 0
            let rc = mosquitto_connect(raw, host, Int32(port), Int32(keepAliveSeconds))
            let systemError = errno
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                bridge.close(.library(rc, systemError: systemError, context: "connecting to \(bridge.endpoint)",
                                      libraryLog: bridge.libraryLog, awaited: .connack))
                return
            }
            // Abandoned meanwhile (deadline, cancellation, disconnect): the stop job queued behind us cleans up.
            guard bridge.loopWillStart() else { return }
            let started = mosquitto_loop_start(raw)
            if started != MOSQ_ERR_SUCCESS.rawValue {
                bridge.loopFailedToStart()
                bridge.close(.library(started, systemError: errno, context: "mosquitto_loop_start", awaited: .connack))
            }
        }
    }

    /// Stops the loop thread and waits until it is joined.
    func stopLoop() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            controlQueue.async { [self] in
                Self.stopLoopNow(raw: raw, bridge: bridge)
                done.resume()
            }
        }
    }

    /// Stops the loop thread in the background, after any connect still blocking the control queue.
    func scheduleStop() {
        controlQueue.async { [self] in
            Self.stopLoopNow(raw: raw, bridge: bridge)
        }
    }

    /// Runs on the control queue. Idempotent.
    private static func stopLoopNow(raw: OpaquePointer, bridge: SessionBridge) {
        // Pins libmosquitto's state so mosquitto_loop_forever neither reconnects nor runs on; on a live
        // socket it also queues DISCONNECT, whose sending closes the socket and calls on_disconnect.
        _ = mosquitto_disconnect(raw)
        guard var exitsOnItsOwn = bridge.loopExitsOnItsOwn else { return }
        var polls = 0
        while !exitsOnItsOwn && polls < 50 {
            usleep(5_000)
            polls += 1
            exitsOnItsOwn = bridge.loopExitsOnItsOwn ?? true
        }
        // force: libmosquitto 2.0's loop keeps running while a TLS handshake or a write is stuck,
        // even after mosquitto_disconnect; pthread_cancel then ends it in its select().
        _ = mosquitto_loop_stop(raw, !exitsOnItsOwn)
        bridge.loopStopped()
    }
}

extension SessionBridge {
    /// The bridge behind a callback's userdata pointer (retained by the LibraryHandle).
    static func from(_ userdata: UnsafeMutableRawPointer?) -> SessionBridge? {
        guard let userdata else { return nil }
        return Unmanaged<SessionBridge>.fromOpaque(userdata).takeUnretainedValue()
    }
}
