import DPSCore
import Device
import FakeDPS
import Foundation
import Logging

/// A fake DPS on loopback with one symmetric-key enrollment, its CA written to a temporary file.
struct FakeFixture {
    static let key = "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzISE="
    let server: FakeDPSServer
    let caFile: String
    let clock: VirtualClock
    let directory: URL

    static func start(configure: (inout ServiceConfiguration) -> Void = { _ in }) async throws -> FakeFixture {
        let clock = VirtualClock()
        var configuration = ServiceConfiguration(idScope: "0ne00TEST01")
        configuration.enrollments = EnrollmentSet(individuals: [
            IndividualEnrollment(registrationID: "device-01", attestation: .symmetricKey(primaryKey: key, secondaryKey: nil),
                                 deviceID: "device-01-id", allocation: .static(hub: "hub-a.azure-devices.net")),
        ])
        configure(&configuration)
        let server = try await FakeDPSServer.start(configuration: configuration, clock: clock,
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-test-\(UUID().uuidString)")
        let caFile = try server.tls.write(to: directory).path
        return FakeFixture(server: server, caFile: caFile, clock: clock, directory: directory)
    }

    func settings(registrationID: String = "device-01", key: String = FakeFixture.key, deadline: Duration = .seconds(120)) -> ProvisioningSettings {
        ProvisioningSettings(endpoint: server.endpoint(caFile: caFile), registrationID: registrationID,
                             credential: .symmetricKey(key), deadline: deadline, responseTimeout: .seconds(10), connectTimeout: .seconds(10))
    }

    func client(_ settings: ProvisioningSettings) -> ReferenceClient {
        let endpoint = settings.endpoint
        return ReferenceClient(settings: settings, clock: clock) {
            MQTTDeviceTransport(host: endpoint.host, port: endpoint.mqttPort ?? 8883, caFile: endpoint.caFile)
        }
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
