#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything needed to open one MQTT 3.1.1 session (protocol level 4) with libmosquitto.
///
/// The password is a secret: `description` redacts it and no error ever repeats it.
public struct MosquittoConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Broker host name or IP literal; with TLS it is also the name checked against the server certificate.
    public var host: String
    /// Broker TCP port (8883 for MQTT over TLS).
    public var port: UInt16
    /// MQTT client identifier (for DPS: the registration ID). Empty only with `cleanSession`.
    public var clientID: String
    /// MQTT user name, if any.
    public var username: String?
    /// MQTT password, if any (absent for X.509 attestation). Never logged.
    public var password: String?
    /// MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices clean session flag.
    public var cleanSession: Bool
    /// MQTT keepalive in seconds; 0 turns keepalive off. libmosquitto refuses 1...4.
    public var keepAliveSeconds: UInt16
    /// TLS settings; `nil` means plain TCP (local debugging only: DPS always uses TLS).
    public var tls: TLS?

    public init(
        host: String,
        port: UInt16,
        clientID: String,
        username: String? = nil,
        password: String? = nil,
        cleanSession: Bool = true,
        keepAliveSeconds: UInt16 = 60,
        tls: TLS?
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.username = username
        self.password = password
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
        self.tls = tls
    }

    /// TLS settings for the connection; files are PEM.
    public struct TLS: Sendable, Hashable {
        /// CA certificate(s) trusted to sign the server certificate.
        public var caFile: String
        /// Client certificate, optionally followed by its chain (X.509 attestation).
        public var certificateFile: String?
        /// Unencrypted private key of the client certificate.
        public var keyFile: String?
        /// Lowest TLS version allowed; `nil` leaves libmosquitto's default (TLS 1.2 or newer).
        public var version: MosquittoTLSVersion?
        /// Whether the server certificate must name `host` (on by default).
        public var verifyHostname: Bool
        /// Load the client certificate even when OpenSSL 3 finds its extensions invalid, as it does
        /// for a DevKit Alias certificate with its non-RFC 5280 subjectAltName. libmosquitto's own
        /// loader (`SSL_CTX_use_certificate_chain_file`) refuses such a certificate, so the client
        /// context is then built here and handed over (MOSQ_OPT_SSL_CTX). Only the leaf is loaded.
        public var lenientClientCertificate: Bool

        public init(
            caFile: String,
            certificateFile: String? = nil,
            keyFile: String? = nil,
            version: MosquittoTLSVersion? = nil,
            verifyHostname: Bool = true,
            lenientClientCertificate: Bool = false
        ) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.version = version
            self.verifyHostname = verifyHostname
            self.lenientClientCertificate = lenientClientCertificate
        }
    }

    public var description: String {
        var parts = ["host: \(host)", "port: \(port)", "clientID: \(clientID)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: <redacted>") }
        parts.append("cleanSession: \(cleanSession)")
        parts.append("keepAliveSeconds: \(keepAliveSeconds)")
        if let tls {
            parts.append("tls.caFile: \(tls.caFile)")
            if let file = tls.certificateFile { parts.append("tls.certificateFile: \(file)") }
            if let file = tls.keyFile { parts.append("tls.keyFile: \(file)") }
            if let version = tls.version { parts.append("tls.version: \(version.rawValue)") }
            parts.append("tls.verifyHostname: \(tls.verifyHostname)")
        } else {
            parts.append("tls: off")
        }
        return "MosquittoConfiguration(\(parts.joined(separator: ", ")))"
    }
}

extension MosquittoConfiguration: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }

    /// Keeps the password out of `dump`, debuggers and other mirror-based printing.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host, "port": port, "clientID": clientID, "username": username as Any,
            "password": password == nil ? "nil" : "<redacted>", "cleanSession": cleanSession,
            "keepAliveSeconds": keepAliveSeconds, "tls": tls as Any,
        ], displayStyle: .struct)
    }
}

/// TLS version selector passed to `mosquitto_tls_opts_set`.
///
/// libmosquitto 2.0 treats `tlsv1.2` as "1.2 or newer" and `tlsv1.3` as "1.3 only"; it cannot pin
/// exactly 1.2 without handing it an OpenSSL context.
public enum MosquittoTLSVersion: String, Sendable, Hashable, CaseIterable {
    /// "tlsv1.2": TLS 1.2 or newer.
    case tls12 = "tlsv1.2"
    /// "tlsv1.3": TLS 1.3 only.
    case tls13 = "tlsv1.3"
}

extension MosquittoConfiguration {
    /// Refuses configurations libmosquitto would reject with a bare MOSQ_ERR_INVAL, naming the field.
    func validate() throws(MosquittoError) {
        if host.isEmpty { throw MosquittoError(.invalidConfiguration, "host is empty") }
        try Self.refuseNUL(host, field: "host")
        try Self.refuseNUL(clientID, field: "clientID")
        if clientID.isEmpty && !cleanSession {
            // MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices: a zero-byte client identifier requires CleanSession = 1.
            throw MosquittoError(.invalidConfiguration, "clientID is empty but cleanSession is false")
        }
        if let username { try Self.refuseNUL(username, field: "username") }
        if let password {
            if username == nil {
                // MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices: a password needs a user name.
                throw MosquittoError(.invalidConfiguration, "password is set without username")
            }
            if password.utf8.contains(0) {
                throw MosquittoError(.invalidConfiguration, "password contains a NUL byte")
            }
        }
        if (1...4).contains(keepAliveSeconds) {
            throw MosquittoError(.invalidConfiguration, "keepAliveSeconds \(keepAliveSeconds) is below libmosquitto's minimum of 5 (0 disables)")
        }
        guard let tls else { return }
        try Self.requireReadableFile(tls.caFile, field: "tls.caFile")
        switch (tls.certificateFile, tls.keyFile) {
        case (nil, nil):
            break
        case let (certificate?, key?):
            try Self.requireReadableFile(certificate, field: "tls.certificateFile")
            try Self.requireReadableFile(key, field: "tls.keyFile")
        case (.some, nil):
            throw MosquittoError(.invalidConfiguration, "tls.certificateFile is set without tls.keyFile")
        case (nil, .some):
            throw MosquittoError(.invalidConfiguration, "tls.keyFile is set without tls.certificateFile")
        }
    }

    private static func refuseNUL(_ value: String, field: String) throws(MosquittoError) {
        if value.utf8.contains(0) {
            throw MosquittoError(.invalidConfiguration, "\(field) contains a NUL byte")
        }
    }

    private static func requireReadableFile(_ path: String, field: String) throws(MosquittoError) {
        try refuseNUL(path, field: field)
        if path.isEmpty || access(path, R_OK) != 0 {
            throw MosquittoError(.invalidConfiguration, "\(field) '\(path)' is not a readable file")
        }
    }
}
