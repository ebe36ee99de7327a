import Crypto
import Foundation

/// One certificate (chain) of the corpus: the class it belongs to (or its control), the
/// registration ID it is presented for, and what it must get.
public struct CertificateSample: Sendable, Hashable {
    public var certificateClass: CertificateClass
    public var isControl: Bool
    public var registrationID: String
    /// DER, leaf first: what the device presents in the TLS handshake.
    public var chain: [[UInt8]]
    /// PKCS#8 PEM of the leaf's key, when there is one that matches it (a secret: written only to
    /// private files, never to a report).
    var leafKeyPEM: String?

    /// The expectation: a control must be accepted.
    public var expected: IDVerdict { isControl ? .valid : certificateClass.expected }

    /// `control/…` or the class name.
    public var name: String { (isControl ? "control/" : "") + certificateClass.name }

    /// Whether a TLS client can present it with its key (otherwise only the service path can).
    public var hasKey: Bool { leafKeyPEM != nil }
}

/// Everything the certificate target presents in one run, and the enrollments it needs.
public struct CertificateCorpus: Sendable {
    public var samples: [CertificateSample]
    /// The CA of the X.509 enrollment group every ordinary sample is judged against.
    public var groupCA: [UInt8]
    /// Individually enrolled certificates (the DevKit Alias certificate), by registration ID.
    public var individual: [(registrationID: String, der: [UInt8])]

    /// The corpus for `seed` at `now` (validity is relative to it).
    public static func make(seed: UInt64, now: Date) throws -> CertificateCorpus {
        var random = FuzzRandom.forCase(seed: seed, index: 0, stream: 2)
        let pki = try FuzzPKI(now: now, random: &random)
        var samples: [CertificateSample] = []
        for malformation in CertificateMalformation.allCases {
            let id = "cert-" + malformation.rawValue.replacingOccurrences(of: "/", with: "-")
            samples.append(try CertificateFactory.sample(malformation, registrationID: String(id.prefix(64)), pki: pki, random: &random))
            samples.append(try CertificateFactory.control(for: malformation, registrationID: String(("ctl-" + id.dropFirst(5)).prefix(64)),
                                                          pki: pki, random: &random))
        }
        let dice = try DiceAliasFlips.samples()
        samples += dice.samples
        return CertificateCorpus(samples: samples, groupCA: pki.root.der, individual: [(dice.registrationID, dice.enrolled)])
    }

    /// The number of malformation classes (controls not counted).
    public var classCount: Int { Set(samples.filter { !$0.isControl }.map(\.certificateClass)).count }
}
