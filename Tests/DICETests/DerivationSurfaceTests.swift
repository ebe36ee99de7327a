import Testing
@testable import DICE

@Suite("Derivation outputs: names, secrets, profiles")
struct DerivationSurfaceTests {
    static func derivation() throws -> DevKitRIoTDerivation {
        try DevKitRIoTProfile().derive(DiceInputs(
            uds: try UniqueDeviceSecret(hex: String(repeating: "5a", count: 32)),
            firmware: try FirmwareRegions(riotCore: Array(repeating: 7, count: 40), riotFw: [1, 2, 3]),
            registrationID: try DevKitRegistrationID("surface-1")))
    }

    static let secretNames: Set<String> = ["udsBytesHex", "udsDigest", "cdi", "deviceIdSeed", "aliasSeed", "deviceIdKdfOutput",
                                           "aliasKdfOutput", "deviceIdPrivate", "aliasPrivate", "aliasKeyPem"]

    @Test("exactly the secrets are flagged")
    func secretsFlagged() throws {
        let values = try Self.derivation().namedValues
        #expect(Set(values.filter(\.isSecret).map(\.name)) == Self.secretNames)
        #expect(Set(values.map(\.name)).count == values.count, "names are unique")
    }

    @Test("the redacted list and descriptions carry no secret value")
    func redaction() throws {
        let derivation = try Self.derivation()
        let secrets = derivation.namedValues.filter(\.isSecret).map(\.value)
        let exposed = derivation.namedValues.redacted.map(\.value) + [derivation.description]
            + derivation.namedValues.map(\.description) + [String(describing: derivation.deviceIdKey)]
            + [String(describing: try derivation.certificates.get())]
        for secret in secrets {
            #expect(!exposed.contains { $0.contains(secret) })
        }
    }

    @Test("the order follows the vector file and ends with the .pem file")
    func order() throws {
        let names = try Self.derivation().namedValues.map(\.name)
        #expect(names.first == "udsBytesHex")
        #expect(names.last == "dpsCertGenPemFile")
        let udsDigest = try #require(names.firstIndex(of: "udsDigest"))
        let cdi = try #require(names.firstIndex(of: "cdi"))
        let alias = try #require(names.firstIndex(of: "aliasCertPem"))
        #expect(udsDigest < cdi && cdi < alias)
    }

    @Test("the profile identifier derives the same certificate")
    func profileIdentifier() throws {
        let inputs = DiceInputs(uds: try UniqueDeviceSecret(hex: String(repeating: "5a", count: 32)),
                                firmware: try FirmwareRegions(riotCore: Array(repeating: 7, count: 40), riotFw: [1, 2, 3]),
                                registrationID: try DevKitRegistrationID("surface-1"))
        let generic = try DiceProfileIdentifier(rawValue: "devkit-riot").map { try $0.derive(inputs) }
        #expect(generic?.aliasCertificatePEM == (try Self.derivation().aliasCertificatePEM))
        #expect(generic?.certificateFailure == nil)
    }

    @Test("one-line PEM round-trips and wrapped PEM also decodes")
    func pem() throws {
        let der: [UInt8] = Array(0..<100)
        let text = OneLinePEM.encode(der, label: .certificate)
        #expect(text.split(separator: "\n").count == 3)
        #expect(try OneLinePEM.decodeAll(text) == [der])
        let body = text.split(separator: "\n")[1]
        let wrapped = "-----BEGIN CERTIFICATE-----\r\n\(body.prefix(64))\r\n\(body.dropFirst(64))\r\n-----END CERTIFICATE-----\r\n"
        #expect(try OneLinePEM.decodeAll(wrapped + text) == [der, der])
        #expect { try OneLinePEM.decodeAll("no pem here") } throws: { ($0 as? DICEError)?.code == .pemMalformed }
        #expect { try OneLinePEM.decodeAll("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n") } throws: {
            ($0 as? DICEError)?.code == .pemMalformed
        }
    }
}
