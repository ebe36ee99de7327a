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
        return try NIOSSLContext(configuration: configuration)
    }

    /// A server handler that accepts any presented client chain and hands it to `record` as DER.
    static func handler(context: NIOSSLContext, record: @escaping @Sendable ([[UInt8]]) -> Void) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context) { certificates, promise in
            record(certificates.compactMap { try? $0.toDERBytes() })
            promise.succeed(.certificateVerified)
        }
    }
}
