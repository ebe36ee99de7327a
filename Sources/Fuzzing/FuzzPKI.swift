import Crypto
import Foundation

/// A CA and the certificates it issues, for one fuzz run: the root the X.509 enrollment group
/// trusts, and an intermediate under it. Keys follow the seed.
struct FuzzAuthority {
    let key: P256.Signing.PrivateKey
    let name: [[NameAttribute]]
    let der: [UInt8]

    var publicKeyInfo: [UInt8] { Array(key.publicKey.derRepresentation) }
}

struct FuzzPKI {
    let now: Date
    let root: FuzzAuthority
    let intermediate: FuzzAuthority
    /// A CA no enrollment names.
    let stranger: FuzzAuthority

    init(now: Date, random: inout FuzzRandom) throws {
        self.now = now
        root = try Self.authority("dpsconform fuzz root CA", issuer: nil, now: now, random: &random)
        intermediate = try Self.authority("dpsconform fuzz intermediate CA", issuer: root, now: now, random: &random)
        stranger = try Self.authority("dpsconform fuzz unenrolled CA", issuer: nil, now: now, random: &random)
    }

    /// A CA certificate for `commonName`, self-signed or issued by `issuer`.
    static func authority(_ commonName: String, issuer: FuzzAuthority?, now: Date, random: inout FuzzRandom,
                          extensions: [CertificateExtension]? = nil, notAfter: Date? = nil) throws -> FuzzAuthority {
        let key = SeededKey.make(&random)
        let name: [[NameAttribute]] = [[.commonName(commonName)], [.organization("dpsconform fuzz")]]
        let spki = Array(key.publicKey.derRepresentation)
        let template = CertificateTemplate(
            serial: [0x01] + random.bytes(8), issuer: issuer?.name ?? name, notBefore: now.addingTimeInterval(-86_400),
            notAfter: notAfter ?? now.addingTimeInterval(365 * 86_400), subject: name, publicKeyInfo: spki,
            extensions: extensions ?? [.basicConstraints(ca: true), .keyUsage(0x06), .subjectKeyIdentifier(spki)])
        return FuzzAuthority(key: key, name: name, der: try template.signed(by: issuer?.key ?? key))
    }

    /// The template of a well-formed leaf for `registrationID` issued by `issuer` (valid from a day
    /// ago for a year; CA false; digitalSignature; clientAuth).
    func leafTemplate(_ registrationID: String, issuer: FuzzAuthority, key: P256.Signing.PrivateKey, random: inout FuzzRandom) -> CertificateTemplate {
        let spki = Array(key.publicKey.derRepresentation)
        return CertificateTemplate(
            serial: [0x01] + random.bytes(8), issuer: issuer.name, notBefore: now.addingTimeInterval(-86_400),
            notAfter: now.addingTimeInterval(365 * 86_400),
            subject: [[.commonName(registrationID)], [.organization("dpsconform fuzz")]], publicKeyInfo: spki,
            extensions: [.basicConstraints(ca: false), .keyUsage(0x80), .extendedKeyUsage([OID.clientAuth]), .subjectKeyIdentifier(spki)])
    }
}
