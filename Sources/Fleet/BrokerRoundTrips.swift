import MQTTWire
import NIOCore
import NIOSSL

/// The same shape of exchange as a DPS registration, with a plain MQTT broker (mosquitto) for a
/// side-by-side figure: TLS, CONNECT, SUBSCRIBE to the device's own topics, then two PUBLISH round
/// trips (the broker delivers each message back to its sender, standing in for register and poll),
/// DISCONNECT. No DPS semantics: the payloads are the same size as a register's.
struct BrokerRoundTrips: Sendable {
    let settings: FleetSettings
    let group: any EventLoopGroup
    let pacer: RequestPacer?

    func exchange(_ device: FleetDevice, into tally: inout FleetTally) async throws(FleetFailure) {
        // The rate limit's wait is not the service's time: the clock starts after it.
        await pacer.wait()
        let start = ContinuousClock.now
        let base = "fleet/" + device.registrationID
        let connection = try await FleetConnection<MQTTPacket>.mqttSession(device, settings: settings, group: group,
                                                               connect: MQTTConnect(clientIdentifier: device.registrationID, keepAliveSeconds: 60),
                                                               filter: base + "/#", into: &tally)
        defer { connection.close() }

        let payload = Array(("{\"registrationId\":\"" + device.registrationID + "\"}").utf8)
        for (phase, identifier) in [(FleetPhase.register, UInt16(2)), (.poll, 3)] {
            await pacer.wait()
            let requestStart = ContinuousClock.now
            tally.requests[phase.rawValue, default: 0] += 1
            let topic = base + "/" + phase.rawValue
            try connection.send(packet: .publish(MQTTPublish(topicName: topic, payload: payload, qos: .atLeastOnce, packetIdentifier: identifier)))
            while true {
                guard case .publish(let publish) = try await connection.nextSkippingAcks(settings: settings, awaiting: "the \(phase.rawValue) echo") else { continue }
                if publish.qos == .atLeastOnce, let id = publish.packetIdentifier { try connection.send(packet: .pubAck(packetIdentifier: id)) }
                if publish.topicName == topic { break }
            }
            tally.record(phase, since: requestStart)
        }
        tally.record(.total, since: start)
        try? connection.send(packet: .disconnect)
    }

}
