import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Runs a fleet: `concurrency` workers on one event-loop group (no thread per device), each taking
/// the next device of the shard until none is left.
public struct FleetRunner: Sendable {
    public let settings: FleetSettings

    public init(settings: FleetSettings) throws(FleetInputError) {
        try settings.validate()
        self.settings = settings
    }

    /// Devices done so far, for a progress line.
    public final class Progress: Sendable {
        private let state = Atomic<Int>(0)
        private let failures = Atomic<Int>(0)
        /// The next position in the shard's device list to hand to a worker.
        private let cursor = Atomic<Int>(0)
        public let total: Int

        init(total: Int) { self.total = total }

        public var done: Int { state.load(ordering: .relaxed) }
        public var failed: Int { failures.load(ordering: .relaxed) }

        func takePosition() -> Int { cursor.add(1, ordering: .relaxed).oldValue }

        func finished(failed: Bool) {
            state.add(1, ordering: .relaxed)
            if failed { failures.add(1, ordering: .relaxed) }
        }
    }

    /// Provisions every device of the shard; `onProgress` is called about twice a second.
    /// `group` nil makes a group of one thread per core for the run.
    public func run(group: (any EventLoopGroup)? = nil,
                    onProgress: (@Sendable (Progress) -> Void)? = nil) async throws(FleetInputError) -> FleetResult {
        let tls = try settings.makeTLSContext()
        let ownedGroup = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount) : nil
        let loops: any EventLoopGroup = group ?? ownedGroup ?? MultiThreadedEventLoopGroup.singleton
        let indices = Array(settings.shard.deviceIndices(of: settings.devices))
        let progress = Progress(total: indices.count)
        let pacer = settings.requestsPerSecond.map { RequestPacer(requestsPerSecond: $0) }
        let now = Int64(Date().timeIntervalSince1970)
        // X.509: every device's certificate is issued up front, before the run is timed.
        var certificates: [Int: Result<IssuedDeviceCertificate, FleetFailure>] = [:]
        if case .x509(let authority) = settings.credentials {
            let issuedAt = Date(timeIntervalSince1970: TimeInterval(now))
            for index in indices {
                let registrationID = settings.credentials.registrationID(index: index, prefix: settings.registrationIDPrefix)
                certificates[index] = Result { () throws(FleetFailure) in try authority.issue(registrationID: registrationID, now: issuedAt) }
            }
        }
        let exchange = DeviceExchange(settings: settings, tls: tls, group: loops, pacer: pacer, certificates: certificates)
        let start = ContinuousClock.now
        let workers = max(1, min(settings.concurrency, indices.count))

        // Workers return their tally; the progress line's task returns nil and is cancelled once
        // the workers are done, so its sleep is never counted in the wall time.
        let (tally, elapsed) = await withTaskGroup(of: FleetTally?.self) { tasks in
            if let onProgress {
                tasks.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(500))
                        if !Task.isCancelled { onProgress(progress) }
                    }
                    return nil
                }
            }
            for _ in 0..<workers {
                tasks.addTask {
                    var tally = FleetTally()
                    while true {
                        let position = progress.takePosition()
                        guard position < indices.count else { break }
                        let failed = await exchange.provision(index: indices[position], now: now, into: &tally)
                        progress.finished(failed: failed)
                    }
                    return tally
                }
            }
            var total = FleetTally()
            var finished = 0
            while finished < workers, let part = await tasks.next() {
                guard let part else { continue }
                total.merge(part)
                finished += 1
            }
            let elapsed = ContinuousClock.now - start
            tasks.cancelAll()
            return (total, elapsed)
        }
        try? await ownedGroup?.shutdownGracefully()
        return FleetResult(settings: settings, tally: tally, attempted: indices.count, elapsed: elapsed)
    }
}

/// One device from start to end, on the settings' transport; failures are counted, not thrown.
struct DeviceExchange: Sendable {
    let settings: FleetSettings
    let tls: NIOSSLContext
    let group: any EventLoopGroup
    let pacer: RequestPacer?
    /// X.509: each device's certificate, issued before the run (keyed by device index).
    let certificates: [Int: Result<IssuedDeviceCertificate, FleetFailure>]

    /// Returns whether the device failed.
    func provision(index: Int, now: Int64, into tally: inout FleetTally) async -> Bool {
        do {
            let device = try prepare(index: index, now: now)
            switch settings.transport {
            case .mqtt:
                try await MQTTProvisioning(settings: settings, group: group, pacer: pacer).provision(device, into: &tally)
            case .https:
                try await HTTPSProvisioning(settings: settings, group: group, pacer: pacer).provision(device, into: &tally)
            case .mqttBroker:
                try await BrokerRoundTrips(settings: settings, group: group, pacer: pacer).exchange(device, into: &tally)
            }
            tally.provisioned += 1
            return false
        } catch {
            tally.count(error)
            return true
        }
    }

    /// The device's credentials, made before its exchange is timed.
    func prepare(index: Int, now: Int64) throws(FleetFailure) -> FleetDevice {
        let registrationID = settings.credentials.registrationID(index: index, prefix: settings.registrationIDPrefix)
        if case .x509 = settings.credentials {
            guard let issued = certificates[index] else { throw FleetFailure(.tls, "no certificate was issued for \(registrationID)") }
            let context = try issued.get().context(base: settings.tlsConfiguration(), registrationID: registrationID)
            return FleetDevice(index: index, registrationID: registrationID, sasToken: nil, tls: context)
        }
        let key = try settings.credentials.deviceKey(registrationID: registrationID, index: index)
        let token = try FleetCredentials.sasToken(idScope: settings.idScope, registrationID: registrationID, deviceKey: key, now: now)
        return FleetDevice(index: index, registrationID: registrationID, sasToken: token, tls: tls)
    }
}
