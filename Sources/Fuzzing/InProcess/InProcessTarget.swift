import DICE
import DPSCore
import FakeDPS
import Foundation
import Inputs
import MQTTWire
import ScenarioEngine
import VectorChecks

/// The in-process fuzz targets: the parsers that read what a device, a service or a user hands
/// the tool. libFuzzer drives them through `ci/libfuzzer` (built with `-sanitize=fuzzer,address`);
/// the unit tests replay the committed seed corpora and every crash ever found
/// (`Tests/FuzzCorpus/NAME/`) through the same function in a normal build.
///
/// The property of every target: any bytes end in a value or a thrown error, never a trap, a
/// sanitizer report or a hang. Some targets check more (a round trip); `run` returns what broke.
public enum InProcessTarget: String, Sendable, CaseIterable {
    /// MQTTWire's frame decoder; a decoded packet that encodes decodes back to itself.
    case mqttDecoder = "mqtt-decoder"
    /// DPSCore's MQTT grammar: request and response topics, properties, usernames, percent-encoding,
    /// registration-ID rules; a username that parses prints back to the same value.
    case dpsTopics = "dps-topics"
    /// The SAS token parser (a token that parses prints back to itself) and the service's
    /// verification of it as an MQTT password or HTTP Authorization header.
    case sasToken = "sas-token"
    /// The DPS JSON models (request body, operation status, registration result, error details):
    /// what decodes encodes to text that decodes to the same text again.
    case dpsJSON = "dps-json"
    /// The scenario loader (YAML, located errors).
    case scenarioLoader = "scenario-loader"
    /// The enrollment file loader of `serve --enrollments`.
    case enrollmentLoader = "enrollment-loader"
    /// The known-answer vector file loader (its own JSON parser).
    case vectorLoader = "vector-loader"
    /// The DevKit linker-map reader of the DICE engine.
    case linkerMap = "linker-map"
    /// The certificate path: a chain the fake parses and judges in X.509 attestation, and the
    /// DICE engine's certificate parser. Input: the whole input as one DER certificate, and the
    /// input cut into a chain by 2-byte big-endian length prefixes.
    case certificateChain = "certificate-chain"

    /// The environment variable that picks the target of the libFuzzer binary.
    public static let environmentVariable = "DPSCONFORM_FUZZ_TARGET"

    /// Runs one input; nil when the property held, else what broke (the libFuzzer entry turns it
    /// into a crash, a test into a failure).
    public func run(_ bytes: [UInt8]) -> String? {
        switch self {
        case .mqttDecoder: Self.mqttDecoder(bytes)
        case .dpsTopics: Self.dpsTopics(bytes)
        case .sasToken: Self.sasToken(bytes)
        case .dpsJSON: Self.dpsJSON(bytes)
        case .scenarioLoader: Self.scenarioLoader(bytes)
        case .enrollmentLoader: Self.enrollmentLoader(bytes)
        case .vectorLoader: Self.vectorLoader(bytes)
        case .linkerMap: Self.linkerMap(bytes)
        case .certificateChain: Self.certificateChain(bytes)
        }
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func mqttDecoder(_ bytes: [UInt8]) -> String? {
        var decoder = MQTTFrameDecoder(maximumPacketSize: 65_536)
        guard let packets = try? decoder.feed(bytes) else { return nil }
        for packet in packets {
            guard let encoded = try? packet.encode() else { continue }
            guard let again = try? MQTTPacket.decode(encoded), again == packet else {
                return "MQTT round trip: \(packet.packetType.name) decoded from the input does not decode back from its own encoding"
            }
        }
        return nil
    }

    private static func dpsTopics(_ bytes: [UInt8]) -> String? {
        let text = text(bytes)
        _ = try? ResponseTopic(parsing: text)
        _ = try? DeviceRequestTopic(parsing: text)
        _ = try? TopicProperties(parsing: text)
        _ = try? PercentEncoding.decode(text)
        _ = PercentEncoding.encode(text)
        for policy in RegistrationIDPolicy.allCases { _ = try? policy.validate(text) }
        if let username = try? MQTTUsername(parsing: text) {
            guard let again = try? MQTTUsername(parsing: username.text), again == username else {
                return "username round trip: \(text.debugDescription) parses, its text does not parse to the same value"
            }
        }
        return nil
    }

    /// The service of the `sas-token` and `certificate-chain` targets: a symmetric-key group, an
    /// X.509 group under a CA made once from a fixed seed, and an individual X.509 enrollment.
    private static let service: ProvisioningService = {
        var random = FuzzRandom(seed: 0x5EED)
        let now = Date()
        let pki = try? FuzzPKI(now: now, random: &random)
        let setup = FuzzServiceSetup(profile: .documented, groupCA: pki?.root.der ?? [],
                                     individualX509: pki.map { [("fuzz-individual", $0.intermediate.der)] } ?? [])
        return ProvisioningService(configuration: setup.configuration, clock: SystemClock())
    }()

    private static func identity(_ registrationID: String) -> DeviceIdentity {
        DeviceIdentity(idScope: FuzzServiceSetup.idScope, registrationID: registrationID, apiVersion: APIVersion.deviceDefault)
    }

    private static func sasToken(_ bytes: [UInt8]) -> String? {
        let text = text(bytes)
        if let token = try? SASToken(parsing: text) {
            guard let again = try? SASToken(parsing: token.text), again == token else {
                return "SAS round trip: the token parses, its text does not parse to the same token"
            }
            _ = try? SASVerifier().verify(token, idScope: FuzzServiceSetup.idScope, registrationID: "fuzz-device",
                                          keysBase64: [FuzzServiceSetup.groupKey], now: Date())
        }
        // The service's whole path: parse, the resource's registration ID, the group key's derived key.
        for registrationID in ["fuzz-device", text.count <= 128 ? text : "x"] {
            let outcome = service.attest(identity(registrationID), credentials: DeviceCredentials(sasToken: text))
            _ = service.handle(DeviceRequest(kind: .register, identity: identity(registrationID), body: []), attestation: outcome)
        }
        return nil
    }

    private static func dpsJSON(_ bytes: [UInt8]) -> String? {
        func stable<T: Codable>(_ type: T.Type) -> String? {
            guard let value = try? JSONText.decode(type, from: bytes, what: "body") else { return nil }
            let first = JSONText.encode(value)
            guard let again = try? JSONText.decode(type, from: first, what: "body") else {
                return "\(type): decodes from the input, does not decode from its own encoding"
            }
            return JSONText.encode(again) == first ? nil : "\(type): encoding is not stable across a decode"
        }
        return stable(DeviceRegistration.self) ?? stable(RegistrationOperationStatus.self) ?? stable(DeviceRegistrationResult.self)
            ?? stable(ProvisioningServiceErrorDetails.self) ?? stable(JSONValue.self)
    }

    private static func scenarioLoader(_ bytes: [UInt8]) -> String? {
        // A path no file sits beside: a file the scenario names is an error, not a read.
        _ = try? ScenarioLoader.load(text: text(bytes), file: "/nonexistent/dpsconform-fuzz/scenario.yaml")
        return nil
    }

    private static func enrollmentLoader(_ bytes: [UInt8]) -> String? {
        _ = try? EnrollmentFile.load(text: text(bytes), path: "/nonexistent/dpsconform-fuzz/enrollments.yaml")
        return nil
    }

    private static func vectorLoader(_ bytes: [UInt8]) -> String? {
        _ = try? VectorFileLoader.load(bytes: bytes, path: "/nonexistent/dpsconform-fuzz/vectors.json")
        return nil
    }

    private static func linkerMap(_ bytes: [UInt8]) -> String? {
        if let map = try? LinkerMap(mapFile: bytes) {
            guard map.riotCore.start <= map.riotCore.stop, map.riotFw.start <= map.riotFw.stop else {
                return "linker map: a range that ends before it starts was accepted"
            }
        }
        return nil
    }

    private static func certificateChain(_ bytes: [UInt8]) -> String? {
        for chain in [[bytes], Self.frames(bytes)] where !chain.isEmpty {
            for registrationID in ["fuzz-device", "fuzz-individual"] {
                let outcome = service.attest(identity(registrationID), credentials: DeviceCredentials(sasToken: nil, clientCertificateChain: chain))
                _ = service.handle(DeviceRequest(kind: .register, identity: identity(registrationID), body: []), attestation: outcome)
            }
            for der in chain { _ = try? PresentedCertificate(der: der) }
        }
        _ = try? PresentedCertificate.parseAll(pem: text(bytes))
        return nil
    }

    /// The input cut into pieces by 2-byte big-endian length prefixes (the last piece may be short).
    static func frames(_ bytes: [UInt8]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var offset = 0
        while offset + 2 <= bytes.count, pieces.count < 8 {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            let end = min(bytes.count, offset + 2 + length)
            pieces.append(Array(bytes[(offset + 2)..<end]))
            offset = end
        }
        return pieces
    }
}
