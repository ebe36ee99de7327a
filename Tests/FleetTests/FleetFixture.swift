import DPSCore
import FakeDPS
import Fleet
import Foundation
import Logging

/// The fake on loopback with one symmetric-key enrollment group and no throttling, as
/// `bench fleet` starts it without a target.
struct FleetFixture {
    static let groupKey = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let idScope = "0ne0000TEST"

    let server: FakeDPSServer

    static func start(transport: FleetTransport, retryAfter: Int = 0, assigningPolls: Int = 1,
                      faults: [FaultRule] = [], x509CA: [UInt8]? = nil) async throws -> FleetFixture {
        let attestation: GroupAttestation = x509CA.map { .x509CA(primary: $0, secondary: nil) }
            ?? .symmetricKey(primaryKey: groupKey, secondaryKey: nil)
        var configuration = ServiceConfiguration(idScope: idScope, enrollments: EnrollmentSet(groups: [
            EnrollmentGroup(groupID: "fleet", attestation: attestation, allocation: .static(hub: "hub.azure-devices.net"))]),
                                                 assigningPolls: assigningPolls, retryAfterSeconds: retryAfter)
        configuration.pollLimit = nil
        configuration.serviceLimit = nil
        configuration.faultPlan = FaultPlan(rules: faults)
        let server = try await FakeDPSServer.start(configuration: configuration, clock: SystemClock(),
                                                   httpsPort: transport == .https ? 0 : nil,
                                                   logger: Logger(label: "fleet-test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                                   eventLoops: .dedicated(threads: 2))
        return FleetFixture(server: server)
    }

    func settings(_ transport: FleetTransport, devices: Int, concurrency: Int, shard: FleetShard = .whole) -> FleetSettings {
        FleetSettings(transport: transport, host: server.host, port: transport == .https ? (server.httpsPort ?? 0) : server.mqttPort,
                      trustedCAPEM: server.tls.caCertificatePEM, idScope: Self.idScope, credentials: .groupKey(Self.groupKey),
                      devices: devices, concurrency: concurrency, shard: shard, registrationIDPrefix: "test")
    }
}
