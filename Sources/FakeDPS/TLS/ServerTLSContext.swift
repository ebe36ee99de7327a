import NIOCore
import NIOSSL

/// The NIOSSL server context of a front end. Client certificates are requested but not required
/// at the TLS layer (DPS X.509 attestation is checked by the service, and DevKit certificates are
/// not RFC 5280-valid, DevkitDPSClient.cpp, microsoft/devkit-sdk), so the handshake accepts whatever the device presents
/// and records it for the service.
enum ServerTLSContext {
    static func make(material: TLSMaterial, versions: ServerTLSVersions = .any) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(material.serverCertificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: Array(material.serverPrivateKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        switch versions {
        case .any:
            configuration.minimumTLSVersion = .tlsv12
        case .tls12Only:
            configuration.minimumTLSVersion = .tlsv12
            configuration.maximumTLSVersion = .tlsv12
        case .tls13Only:
            configuration.minimumTLSVersion = .tlsv13
        }
        configuration.certificateVerification = .optionalVerification
        configuration.curves = keyExchangeGroups
        return try NIOSSLContext(configuration: configuration)
    }

    /// The key-exchange groups the fake offers: the classical ones a TLS stack such as Debian's
    /// OpenSSL 3.0 (mosquitto, nginx, libmosquitto devices) offers. NIOSSL's default puts the
    /// X25519 + ML-KEM-768 hybrid first, whose key shares cost most of a handshake's CPU on the
    /// fake (ci/bench.sh's profile); a client that offers the hybrid still gets X25519.
    static let keyExchangeGroups: [NIOTLSCurve] = [.x25519, .secp256r1, .secp384r1]

    /// A server handler that accepts any presented client chain and hands it to `record` as DER.
    static func handler(context: NIOSSLContext, record: @escaping @Sendable ([[UInt8]]) -> Void) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context) { certificates, promise in
            record(certificates.compactMap { try? $0.toDERBytes() })
            promise.succeed(.certificateVerified)
        }
    }
}
