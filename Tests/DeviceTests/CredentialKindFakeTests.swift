import DPSCore
import Device
import FakeDPS
import Foundation
import Testing

/// Every credential kind provisions against the fake on both transports: individual and group
/// symmetric keys, X.509 individual and group (chain to an enrolled CA), and the DevKit DICE
/// Alias identity enrolled as an individual X.509 device.
@Suite("Credential kinds against the fake, MQTT and HTTPS", .serialized)
struct CredentialKindFakeTests {
    static let groupKey = "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw=="

    /// Provisions `registrationID` with `credential` after adding enrollments, and returns the outcome and the fake's transcript.
    func provision(_ credential: DeviceCredential, registrationID: String, transport: DeviceTransportKind,
                   enroll: @escaping @Sendable (inout EnrollmentSet) -> Void) async throws -> (ProvisioningOutcome, [WireEvent]) {
        let fixture = try await FakeFixture.start { enroll(&$0.enrollments) }
        defer { Task { await fixture.stop() } }
        let outcome = await fixture.client(fixture.settings(registrationID: registrationID, credential: credential), transport: transport).provision()
        return (outcome, await fixture.settledEvents())
    }

    @Test("a symmetric-key enrollment group: the device derives its key and gets its registration ID as device ID",
          arguments: DeviceTransportKind.allCases)
    func groupKey(transport: DeviceTransportKind) async throws {
        let (outcome, _) = try await provision(.groupKey(Self.groupKey), registrationID: "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6", transport: transport) {
            $0.groups.append(EnrollmentGroup(groupID: "fleet", attestation: .symmetricKey(primaryKey: Self.groupKey, secondaryKey: nil),
                                             allocation: .static(hub: "hub-g.azure-devices.net")))
        }
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.assignedHub == "hub-g.azure-devices.net")
        #expect(outcome.deviceId == "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6")
    }

    @Test("X.509 individual: the certificate in TLS, no password and no Authorization header", arguments: DeviceTransportKind.allCases)
    func x509Individual(transport: DeviceTransportKind) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("device-x509-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = try DeviceCertificates.selfSigned(commonName: "x509-device-01", in: directory)
        let der = identity.certificateDER
        let (outcome, events) = try await provision(.x509(certificateFile: identity.certificateFile, keyFile: identity.keyFile),
                                                    registrationID: "x509-device-01", transport: transport) {
            $0.individuals.append(IndividualEnrollment(registrationID: "x509-device-01", attestation: .x509(primary: .certificate(der), secondary: nil),
                                                       allocation: .static(hub: "hub-x.azure-devices.net")))
        }
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.assignedHub == "hub-x.azure-devices.net")
        // No SAS token anywhere: no CONNECT password, no Authorization header.
        let sent = events.filter { $0.direction == .toService }
        #expect(!sent.isEmpty)
        #expect(!sent.contains { if case .connect(let connect)? = $0.mqttPacket { connect.password != nil } else { false } })
        #expect(!sent.contains { $0.httpRequest?.header("authorization") != nil })
    }

    @Test("X.509 group: the leaf and its CA in the file, the CA enrolled", arguments: DeviceTransportKind.allCases)
    func x509Group(transport: DeviceTransportKind) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("device-x509g-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let authority = try DeviceCertificates.authority(commonName: "fleet-ca")
        let identity = try DeviceCertificates.issued(commonName: "fleet-device-07", by: authority, in: directory)
        let caDER = authority.der
        let (outcome, _) = try await provision(.x509(certificateFile: identity.certificateFile, keyFile: identity.keyFile),
                                               registrationID: "fleet-device-07", transport: transport) {
            $0.groups.append(EnrollmentGroup(groupID: "fleet-x509", attestation: .x509CA(primary: caDER, secondary: nil),
                                             allocation: .static(hub: "hub-f.azure-devices.net")))
        }
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.deviceId == "fleet-device-07")
    }

    @Test("DICE DevKit: the derived Alias certificate is the enrolled one", arguments: DeviceTransportKind.allCases)
    func dice(transport: DeviceTransportKind) async throws {
        let vector = try DiceFixture.load()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("device-dice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try vector.writeInputs(to: directory)
        let alias = vector.aliasCertificateDER
        let registrationID = vector.registrationID
        let (outcome, _) = try await provision(.diceDevKit(udsHex: vector.udsHex, firmwareFile: files.firmware, mapFile: files.map),
                                               registrationID: registrationID, transport: transport) {
            $0.individuals.append(IndividualEnrollment(registrationID: registrationID, attestation: .x509(primary: .certificate(alias), secondary: nil),
                                                       allocation: .static(hub: "hub-d.azure-devices.net")))
        }
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.assignedHub == "hub-d.azure-devices.net")
    }

    @Test("the device-side transcript records the exchange with the SAS signature redacted", arguments: DeviceTransportKind.allCases)
    func deviceTranscript(transport: DeviceTransportKind) async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let transcript = Transcript()
        let log = DeviceWireLog(transcript: transcript, clock: fixture.clock)
        // The token the client will sign: one hour from the (virtual) start.
        let expiry = Int64((fixture.clock.now().timeIntervalSince1970 + 3600).rounded(.down))
        let outcome = await fixture.client(fixture.settings(), transport: transport, log: log).provision()
        #expect(outcome.status == .assigned)
        let events = transcript.snapshot
        let text = String(decoding: try JSONEncoder().encode(events), as: UTF8.self)
        let signature = try SASToken.sign(message: "0ne00TEST01%2Fregistrations%2Fdevice-01\n\(expiry)", keyBase64: FakeFixture.key)
        #expect(!text.contains(signature) && !text.contains(PercentEncoding.encode(signature)), "the signature leaked")
        if transport == .https { #expect(text.contains("sig=REDACTED")) }
        let sent = events.filter { $0.direction == .toService }
        switch transport {
        case .mqtt: #expect(sent.compactMap(\.mqttPacket?.kind) == [.connect, .subscribe, .publish, .publish, .publish, .disconnect])
        case .https: #expect(sent.compactMap(\.httpRequest?.method) == ["PUT", "GET", "GET"])
        }
        #expect(events.filter { $0.direction == .toDevice }.compactMap(\.status).last == 200)
    }
}
