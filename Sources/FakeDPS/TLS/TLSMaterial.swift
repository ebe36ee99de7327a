import Crypto
import Foundation
import SwiftASN1
import X509

/// The fake's trust material, made fresh for every run: a CA and a server certificate for
/// `localhost`, `127.0.0.1` and `::1` issued by it. Nothing here is ever committed or reused.
public struct TLSMaterial: Sendable {
    public let caCertificatePEM: String
    public let serverCertificatePEM: String
    /// PKCS#8 PEM of the server key. A secret: never logged.
    let serverPrivateKeyPEM: String

    /// Makes a CA and a server certificate valid from an hour before `now` for `lifetime`.
    /// `now` is wall time: clients check the server certificate against their own real clock.
    /// `fault` makes a certificate a conforming client must refuse (expired, other host name, or
    /// signed by a CA other than the one written to `ca.pem`).
    public static func generate(now: Date = Date(), lifetime: TimeInterval = 30 * 24 * 3600,
                                hostNames: [String] = ["localhost"], addresses: [[UInt8]] = loopbackAddresses,
                                fault: ServerCertificateFault = .none, authority: ServerAuthority? = nil) throws -> TLSMaterial {
        var hostNames = hostNames
        var addresses = addresses
        var notBefore = now.addingTimeInterval(-3600)
        var notAfter = now.addingTimeInterval(lifetime)
        switch fault {
        case .none, .untrustedCA: break
        case .expired:
            notBefore = now.addingTimeInterval(-30 * 24 * 3600)
            notAfter = now.addingTimeInterval(-24 * 3600)
        case .wrongHostName:
            hostNames = ["not-this-host.invalid"]
            addresses = [[192, 0, 2, 1]]
        }
        // A stable CA (a board trusts it once) or one made for this run.
        let ca = try authority ?? ServerAuthority.make(now: now, notBefore: notBefore, notAfter: notAfter)
        let caCertificate = ca.certificate
        // For an untrusted CA, a second CA of the same name signs the server certificate.
        let signingKey = fault == .untrustedCA ? P256.Signing.PrivateKey() : ca.key

        let serverKey = P256.Signing.PrivateKey()
        let serverName = try DistinguishedName {
            CommonName(hostNames.first ?? "localhost")
            OrganizationName("dpsconform")
        }
        let alternativeNames = hostNames.map { GeneralName.dnsName($0) }
            + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let serverCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caCertificate.subject, subject: serverName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
                AuthorityKeyIdentifier(keyIdentifier: try caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(signingKey))

        return TLSMaterial(caCertificatePEM: try caCertificate.serializeAsPEM().pemString + "\n",
                           serverCertificatePEM: try serverCertificate.serializeAsPEM().pemString + "\n",
                           serverPrivateKeyPEM: serverKey.pemRepresentation + "\n")
    }

    /// 127.0.0.1 and ::1.
    public static let loopbackAddresses: [[UInt8]] = [[127, 0, 0, 1], Array(repeating: 0, count: 15) + [1]]

    /// Writes `ca.pem`, `server.pem` and `server-key.pem` (mode 0600) into `directory`; returns the CA path.
    @discardableResult
    public func write(to directory: URL) throws -> URL {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let caURL = directory.appendingPathComponent("ca.pem")
        try Data(caCertificatePEM.utf8).write(to: caURL, options: .atomic)
        try Data(serverCertificatePEM.utf8).write(to: directory.appendingPathComponent("server.pem"), options: .atomic)
        let keyURL = directory.appendingPathComponent("server-key.pem")
        try Data(serverPrivateKeyPEM.utf8).write(to: keyURL, options: .atomic)
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyURL.path)
        return caURL
    }
}

/// A server certificate a conforming client must refuse.
public enum ServerCertificateFault: String, Sendable, Hashable, CaseIterable {
    case none
    /// Valid until yesterday.
    case expired
    /// Names another host (and no loopback address).
    case wrongHostName
    /// Signed by a CA other than the one in `ca.pem`.
    case untrustedCA
}

/// TLS versions the server accepts (DPS requires TLS 1.2; clients differ on 1.3).
public enum ServerTLSVersions: String, Sendable, Hashable, CaseIterable {
    case any
    case tls12Only
    case tls13Only
}

/// The TLS behaviour of the fake's front ends.
public struct ServerTLSSettings: Sendable, Hashable {
    public var certificateFault: ServerCertificateFault
    public var versions: ServerTLSVersions

    public init(certificateFault: ServerCertificateFault = .none, versions: ServerTLSVersions = .any) {
        self.certificateFault = certificateFault
        self.versions = versions
    }
}

/// The CA that signs the fake's server certificates. Made fresh for each run by default; with
/// `--server-ca-dir` it is kept in a directory (created on first use, reused after), so a board
/// on the bench trusts the harness once: `ca.pem`, and `ca-key.pem` (mode 0600, a secret).
public struct ServerAuthority: Sendable {
    let certificate: Certificate
    let key: P256.Signing.PrivateKey

    public var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString + "\n" }
    }

    static func make(now: Date, notBefore: Date, notAfter: Date) throws -> ServerAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName("dpsconform fake DPS run CA")
            OrganizationName("dpsconform")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return ServerAuthority(certificate: certificate, key: key)
    }

    /// The CA kept in `directory`: read when `ca.pem` and `ca-key.pem` are there, otherwise made
    /// (valid ten years) and written. Errors name the file.
    public static func stable(in directory: URL, now: Date = Date()) throws -> ServerAuthority {
        let manager = FileManager.default
        let certificateURL = directory.appendingPathComponent("ca.pem")
        let keyURL = directory.appendingPathComponent("ca-key.pem")
        if manager.fileExists(atPath: certificateURL.path) || manager.fileExists(atPath: keyURL.path) {
            guard let certificateText = try? String(contentsOf: certificateURL, encoding: .utf8) else {
                throw ServerAuthorityError("\(certificateURL.path): cannot read the stable CA certificate")
            }
            guard let keyText = try? String(contentsOf: keyURL, encoding: .utf8) else {
                throw ServerAuthorityError("\(keyURL.path): cannot read the stable CA key")
            }
            let certificate: Certificate
            do { certificate = try Certificate(pemEncoded: certificateText) } catch {
                throw ServerAuthorityError("\(certificateURL.path): not a PEM certificate (\(error))")
            }
            let key: P256.Signing.PrivateKey
            do { key = try P256.Signing.PrivateKey(pemRepresentation: keyText) } catch {
                throw ServerAuthorityError("\(keyURL.path): not a PEM P-256 private key (\(error))")
            }
            guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
                throw ServerAuthorityError("\(keyURL.path): the key does not belong to \(certificateURL.path)")
            }
            guard certificate.notValidAfter > now else {
                throw ServerAuthorityError("\(certificateURL.path): the stable CA expired on \(certificate.notValidAfter); remove the directory to make a new one")
            }
            return ServerAuthority(certificate: certificate, key: key)
        }
        let authority = try make(now: now, notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(10 * 365 * 24 * 3600))
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard manager.createFile(atPath: keyURL.path, contents: Data((authority.key.pemRepresentation + "\n").utf8),
                                 attributes: [.posixPermissions: 0o600]) else {
            throw ServerAuthorityError("\(keyURL.path): cannot write the stable CA key")
        }
        try Data(try authority.certificatePEM.utf8).write(to: certificateURL, options: .atomic)
        return authority
    }
}

public struct ServerAuthorityError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
