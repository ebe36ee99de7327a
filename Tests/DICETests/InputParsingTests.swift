import Testing
@testable import DICE

@Suite("UDS and registration ID parsing")
struct InputParsingTests {
    static let docsUDS = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae"

    @Test("UDS parses either case to the same 32 bytes")
    func udsEitherCase() throws {
        let lower = try UniqueDeviceSecret(hex: Self.docsUDS)
        let upper = try UniqueDeviceSecret(hex: Self.docsUDS.uppercased())
        #expect(lower.bytes.count == 32)
        #expect(lower == upper)
        #expect(Array(lower.bytes.prefix(4)) == [0x19, 0xe2, 0x5a, 0x25])
        #expect(lower.bytes.last == 0xae)
    }

    @Test("UDS of the wrong length is refused", arguments: [
        "", String(docsUDS.dropLast()), docsUDS + "0", docsUDS + "\n", " " + docsUDS, "0x" + docsUDS,
    ])
    func udsWrongLength(_ text: String) {
        #expect { try UniqueDeviceSecret(hex: text) } throws: { ($0 as? DICEError)?.code == .udsWrongLength }
    }

    @Test("a non-hex UDS character is refused, naming its position",
          arguments: [0, 1, 31, 63], ["g", "G", " ", "+", "x", "é"])
    func udsNotHex(_ position: Int, _ replacement: String) throws {
        var chars = Array(Self.docsUDS)
        chars[position] = Character(replacement)
        let text = String(chars)
        guard text.utf8.count == 64 else {
            #expect { try UniqueDeviceSecret(hex: text) } throws: { ($0 as? DICEError)?.code == .udsWrongLength }
            return
        }
        let error = try #require(throws: DICEError.self) { try UniqueDeviceSecret(hex: text) }
        #expect(error.code == .udsNotHex)
        #expect(error.reason.contains("position \(position + 1)"))
    }

    @Test("UDS never appears in its description or errors")
    func udsRedacted() throws {
        let uds = try UniqueDeviceSecret(hex: Self.docsUDS)
        #expect(!String(describing: uds).contains("19e25a"))
        let error = try #require(throws: DICEError.self) { try UniqueDeviceSecret(hex: String(Self.docsUDS.dropLast()) + "z") }
        #expect(!error.description.contains("19e25a"))
    }

    @Test("raw UDS bytes must be 32")
    func udsBytes() {
        #expect(throws: DICEError.self) { try UniqueDeviceSecret(bytes: [UInt8](repeating: 1, count: 31)) }
        #expect((try? UniqueDeviceSecret(bytes: [UInt8](repeating: 1, count: 32))) != nil)
    }

    @Test("registration IDs dps_cert_gen accepts", arguments: ["a", "-", "mxchip-az3166-dps-01", "0123456789",
                                                             String(repeating: "z", count: 128)])
    func registrationIDAccepted(_ id: String) throws {
        #expect(try DevKitRegistrationID(id).value == id)
    }

    @Test("registration IDs with other characters are refused", arguments: ["A", "dev_1", "dev.1", "dev 1", "dév", "dev:1"])
    func registrationIDCharacter(_ id: String) {
        #expect { try DevKitRegistrationID(id) } throws: { ($0 as? DICEError)?.code == .registrationIdCharacter }
    }

    @Test("registration IDs of 0 or 129+ characters are refused", arguments: [0, 129, 300])
    func registrationIDLength(_ length: Int) {
        #expect { try DevKitRegistrationID(String(repeating: "a", count: length)) } throws: {
            ($0 as? DICEError)?.code == .registrationIdLength
        }
    }

    @Test("IDs of 127 and 128 characters validate but are not encodable", arguments: [(126, true), (127, false), (128, false)])
    func registrationIDEncodable(_ length: Int, _ encodable: Bool) throws {
        #expect(try DevKitRegistrationID(String(repeating: "a", count: length)).certificateEncodable == encodable)
    }

    @Test("a 127-character ID yields ALIAS_TBS_ENCODING_FAILED and an empty .pem")
    func registrationID127FailsInEncoder() throws {
        let regions = try FirmwareRegions(riotCore: Array(0..<64), riotFw: Array(0..<16))
        let inputs = DiceInputs(uds: try UniqueDeviceSecret(hex: Self.docsUDS), firmware: regions,
                                registrationID: try DevKitRegistrationID(String(repeating: "b", count: 127)))
        let derivation = try DevKitRIoTProfile().derive(inputs)
        #expect(derivation.certificateFailure?.code == .aliasTBSEncodingFailed)
        #expect(derivation.dpsCertGenPemFile == "")
        #expect(derivation.namedValues.value(named: "error") == "ALIAS_TBS_ENCODING_FAILED")
    }

    @Test("riot_core shorter than 8 bytes is refused", arguments: [0, 1, 7])
    func riotCoreTooShort(_ length: Int) {
        #expect { try FirmwareRegions(riotCore: [UInt8](repeating: 0, count: length), riotFw: []) } throws: {
            ($0 as? DICEError)?.code == .riotCoreTooShort
        }
    }

    @Test("a KDF output of 0 or at least n is an error, not a hang")
    func kdfOutOfRange() throws {
        let order = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        let label = Array("Identity".utf8)
        for raw in [[UInt8](repeating: 0, count: 32), Array(order.reversed()), [UInt8](repeating: 0xff, count: 32)] {
            #expect { try RIoTKeyDerivation.privateScalar(fromKDFOutput: raw, label: label) } throws: {
                ($0 as? DICEError)?.code == .kdfOutputOutOfRange
            }
        }
        // n - 1 (little-endian) is the largest valid scalar; exported big-endian.
        var nMinusOne = order
        nMinusOne[31] -= 1
        #expect(try RIoTKeyDerivation.privateScalar(fromKDFOutput: nMinusOne.reversed(), label: label) == nMinusOne)
    }
}
