import DPSCore
import Device
import FakeDPS
import Foundation
import Logging

/// A fake DPS on loopback (MQTT, and HTTPS when the fake offers it) with one symmetric-key
/// enrollment, its CA written to a temporary file, on a virtual clock.
struct FakeFixture {
    static let key = "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzISE="
    let server: FakeDPSServer
    let caFile: String
    let clock: VirtualClock
    let directory: URL

    /// `ioWaitCap` bounds the real time one unanswered request costs on the virtual clock.
    static func start(ioWaitCap: Duration = .seconds(3), configure: (inout ServiceConfiguration) -> Void = { _ in }) async throws -> FakeFixture {
        let clock = VirtualClock(ioWaitCap: ioWaitCap)
        var configuration = ServiceConfiguration(idScope: "0ne00TEST01")
        configuration.enrollments = EnrollmentSet(individuals: [
            IndividualEnrollment(registrationID: "device-01", attestation: .symmetricKey(primaryKey: key, secondaryKey: nil),
                                 deviceID: "device-01-id", allocation: .static(hub: "hub-a.azure-devices.net")),
        ])
        configure(&configuration)
        let server = try await FakeDPSServer.start(configuration: configuration, clock: clock, httpsPort: 0,
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-test-\(UUID().uuidString)")
        let caFile = try server.tls.write(to: directory).path
        return FakeFixture(server: server, caFile: caFile, clock: clock, directory: directory)
    }

    func settings(registrationID: String = "device-01", key: String = FakeFixture.key, deadline: Duration = .seconds(120)) -> ProvisioningSettings {
        settings(registrationID: registrationID, credential: .symmetricKey(key), deadline: deadline)
    }

    func settings(registrationID: String, credential: DeviceCredential, deadline: Duration = .seconds(120)) -> ProvisioningSettings {
        ProvisioningSettings(endpoint: server.endpoint(caFile: caFile), registrationID: registrationID,
                             credential: credential, deadline: deadline, responseTimeout: .seconds(10), connectTimeout: .seconds(10))
    }

    func client(_ settings: ProvisioningSettings, transport: DeviceTransportKind = .mqtt, profile: DeviceProfile = .reference,
                log: DeviceWireLog? = nil) -> ReferenceClient {
        let endpoint = settings.endpoint
        return ReferenceClient(settings: settings, clock: clock, profile: profile) {
            switch transport {
            case .mqtt: MQTTDeviceTransport(host: endpoint.host, port: endpoint.mqttPort ?? 8883, caFile: endpoint.caFile, log: log)
            case .https: HTTPSDeviceTransport(host: endpoint.host, port: endpoint.httpsPort ?? 443, caFile: endpoint.caFile, log: log)
            }
        }
    }

    /// The transcript once the fake has recorded the end of every device connection.
    func settledEvents() async -> [WireEvent] {
        var previous = -1
        for _ in 0..<40 {
            let events = server.transcript.snapshot
            if events.count == previous, let last = events.last, last.direction == .local || last.transport == .https { return events }
            previous = events.count
            try? await Task.sleep(for: .milliseconds(50))
        }
        return server.transcript.snapshot
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
