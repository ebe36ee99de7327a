import Crypto
import DPSCore
import Device
import Foundation
import SwiftASN1
import Synchronization
import Testing
import X509

@Suite("Device credentials, SAS renewal and certificate issuance")
struct CredentialTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    /// The credentials of every connection the client opened against a scripted service.
    func opens(credential: DeviceCredential, registrationID: String = "device-01", profile: DeviceProfile = .reference,
               configure: (inout ProvisioningSettings) -> Void = { _ in }) async -> (ProvisioningOutcome, [TransportCredentials]) {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.assigning()), .respond(Reply.assigned())])
        var settings = scriptedSettings()
        settings.registrationID = registrationID
        settings.credential = credential
        configure(&settings)
        let outcome = await runScripted(service, settings: settings, profile: profile)
        return (outcome, service.opens.map(\.credentials))
    }

    @Test("DPS-AUTH-SAS-004: a group key derives the device key (DOC-LEGACY known answer) and signs the encoded sr")
    func groupKey() async throws {
        let registrationID = "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6"
        let (_, credentials) = await opens(
            credential: .groupKey("8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw=="),
            registrationID: registrationID)
        let token = try SASToken(parsing: try #require(credentials.first?.sasToken))
        #expect(token.resource == "0ne00TEST01%2Fregistrations%2Fsn-007-888-abc-mac-a1-b2-c3-d4-e5-f6")
        #expect(token.expiry == 1_700_003_600, "one hour from the clock's now")
        #expect(token.keyName == "registration")
        let expected = try SASToken.sign(message: token.resource + "\n1700003600", keyBase64: "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=")
        #expect(token.signature == expected)
        #expect(credentials.first?.usernameText == "0ne00TEST01/registrations/\(registrationID)/api-version=2019-03-31")
        #expect(credentials.first?.certificateFile == nil)
    }

    @Test("the mutants signs-decoded-sr and question-mark-api-version get exactly that wrong")
    func mutantCredentials() async throws {
        let key = "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzISE="
        let (_, decoded) = await opens(credential: .symmetricKey(key), profile: .mutant(.signsDecodedSr))
        let token = try SASToken(parsing: try #require(decoded.first?.sasToken))
        #expect(token.resource == "0ne00TEST01%2Fregistrations%2Fdevice-01")
        #expect(token.signature == (try SASToken.sign(message: "0ne00TEST01/registrations/device-01\n1700003600", keyBase64: key)))
        let (_, question) = await opens(credential: .symmetricKey(key), profile: .mutant(.questionMarkAPIVersion))
        #expect(question.first?.usernameText == "0ne00TEST01/registrations/device-01?api-version=2019-03-31")
    }

    @Test("a key that is not base64 is refused before anything is sent")
    func badKey() async {
        let (outcome, credentials) = await opens(credential: .symmetricKey("not base64!"))
        #expect(outcome.status == .connectionFailed)
        #expect(credentials.isEmpty)
    }

    @Test("DPS-AUTH-SAS-005: the token is renewed by reconnecting before it expires, never in a tight loop")
    func sasRenewal() async throws {
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [])
        var settings = scriptedSettings(deadline: .seconds(100))
        settings.sasTokenLifetime = .seconds(60)
        let outcome = await runScripted(service, settings: settings)
        #expect(outcome.status == .timedOut)
        // Lifetime 60 s, margin min(120 s, 30 s) = 30 s: new connections at 0, 30, 60 and 90 s.
        let opens = service.opens
        #expect(opens.map { $0.time.timeIntervalSince(start) } == [0, 30, 60, 90])
        let expiries = try opens.map { try SASToken(parsing: $0.credentials.sasToken ?? "").expiry }
        #expect(expiries == [1_700_000_060, 1_700_000_090, 1_700_000_120, 1_700_000_150])
        #expect(service.closes == 4, "every replaced connection is closed cleanly")
        // No request ever goes out on a token past its expiry.
        for sent in service.sent {
            #expect(sent.time.timeIntervalSince1970 < Double(expiries[sent.connection - 1]))
        }
    }

    @Test("X.509: no SAS token, the files go to TLS")
    func x509() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("device-x509-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = try DeviceCertificates.selfSigned(commonName: "device-01", in: directory)
        let (_, credentials) = await opens(credential: .x509(certificateFile: identity.certificateFile, keyFile: identity.keyFile))
        #expect(credentials.first?.sasToken == nil)
        #expect(credentials.first?.certificateFile == identity.certificateFile)
        let (missing, _) = await opens(credential: .x509(certificateFile: directory.appendingPathComponent("none.pem").path, keyFile: identity.keyFile))
        #expect(missing.status == .connectionFailed)
    }

    @Test("DICE-CERT-CN-001: the DevKit identity presents the dps_cert_gen Alias certificate and key, in private files removed afterwards")
    func diceIdentity() async throws {
        let vector = try DiceFixture.load()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("device-dice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try vector.writeInputs(to: directory)
        let recorder = FileSnapshot()
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [.respond(Reply.assigning()), .respond(Reply.assigned())],
                                      onOpen: { recorder.capture($0) })
        var settings = scriptedSettings()
        settings.registrationID = vector.registrationID
        settings.credential = .diceDevKit(udsHex: vector.udsHex, firmwareFile: files.firmware, mapFile: files.map)
        let outcome = await runScripted(service, settings: settings)
        #expect(outcome.status == .assigned)
        let presented = try #require(service.opens.first?.credentials)
        #expect(presented.sasToken == nil)
        let certificateFile = try #require(presented.certificateFile)
        let keyFile = try #require(presented.keyFile)
        let snapshot = try #require(recorder.files.first)
        #expect(snapshot.certificatePEM.map(pemDER) == vector.aliasCertificateDER)
        #expect(hex(snapshot.keyDER).contains("0420" + vector.aliasPrivateHex), "the Alias private key")
        #expect(snapshot.keyPermissions == 0o600)
        #expect(!FileManager.default.fileExists(atPath: certificateFile))
        #expect(!FileManager.default.fileExists(atPath: keyFile))
    }

    @Test("DICE inputs that cannot be read are a credential failure, not a crash")
    func badDiceInputs() async {
        let (outcome, _) = await opens(credential: .diceDevKit(udsHex: "zz", firmwareFile: "/nonexistent.bin", mapFile: "/nonexistent.map"),
                                       registrationID: "mxchip-01")
        #expect(outcome.status == .connectionFailed)
        #expect(outcome.message?.contains("zz") == false)
    }

    @Test("CSR: a P-256 request with CN = registration ID goes out as base64 DER in `csr`; the issued chain comes back")
    func certificateIssuance() async throws {
        let material = try CertificateSigningRequestMaterial.generate(registrationID: "device-01")
        let der = try #require(Data(base64Encoded: material.csrBase64))
        let request = try CertificateSigningRequest(derEncoded: Array(der))
        #expect(request.subject.description == "CN=device-01")
        #expect(request.publicKey.isValidSignature(request.signature, for: request))
        #expect(material.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))

        let leaf = Data([0x30, 0x03, 0x02, 0x01, 0x01]).base64EncodedString()
        let root = Data([0x30, 0x03, 0x02, 0x01, 0x02]).base64EncodedString()
        let service = ScriptedService(clock: VirtualClock(start: start), steps: [
            .respond(Reply.assigning()), .respond(Reply.assigned(chain: [leaf, root])),
        ])
        var settings = scriptedSettings()
        settings.csr = material.csrBase64
        let outcome = await runScripted(service, settings: settings)
        let body = try JSONDecoder().decode(DeviceRegistration.self, from: Data(try #require(service.sent.first).request.body))
        #expect(body.csr == material.csrBase64)
        #expect(outcome.issuedCertificateChain == [leaf, root])
        let chain = try CertificateSigningRequestMaterial.chainPEM([leaf, root])
        #expect(chain == "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAMCAQI=\n-----END CERTIFICATE-----\n")
        #expect(throws: DeviceError.self) { try CertificateSigningRequestMaterial.chainPEM(["%%%"]) }
    }

    @Test("device profiles parse from the command-line names", arguments: MutantProfile.allCases)
    func profileNames(mutant: MutantProfile) throws {
        #expect(try DeviceProfile(parsing: "mutant:" + mutant.rawValue) == .mutant(mutant))
        #expect(DeviceProfile.mutant(mutant).name == "mutant:" + mutant.rawValue)
    }

    @Test("unknown profiles are refused with a stable code")
    func unknownProfile() {
        #expect(MutantProfile.allCases.count >= 12)
        // Every rule a mutant breaks is one the reference client keeps.
        #expect(Set(MutantProfile.allCases.map(\.brokenRequirement)).isSubset(of: Set(ReferenceClient.requirements.compactMap(RequirementID.init(known:)))))
        let error = #expect(throws: DeviceError.self) { try DeviceProfile(parsing: "mutant:nope") }
        #expect(error?.code == .unknownProfile)
        #expect((try? DeviceProfile(parsing: "reference")) == .reference)
    }
}

/// What the client's private credential files held while it was connecting.
final class FileSnapshot: Sendable {
    struct Files: Sendable {
        let certificatePEM: String?
        let keyDER: [UInt8]
        let keyPermissions: Int?
    }

    private let captured = Mutex<[Files]>([])

    var files: [Files] { captured.withLock { $0 } }

    func capture(_ credentials: TransportCredentials) {
        guard let certificate = credentials.certificateFile, let key = credentials.keyFile else { return }
        let keyText = (try? String(contentsOfFile: key, encoding: .utf8)) ?? ""
        let permissions = (try? FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) ?? nil
        let files = Files(certificatePEM: try? String(contentsOfFile: certificate, encoding: .utf8),
                          keyDER: pemDER(keyText), keyPermissions: permissions)
        captured.withLock { $0.append(files) }
    }
}

/// DER of the first PEM block in `text` (test-side decoding).
func pemDER(_ text: String) -> [UInt8] {
    let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    return Array(Data(base64Encoded: body) ?? Data())
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
