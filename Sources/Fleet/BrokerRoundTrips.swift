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
        let connection = try await FleetConnection<MQTTPacket>.open(
            group: group, host: settings.host, port: settings.port, tls: device.tls, deadline: settings.deadline(),
            decoders: { try $0.addHandler(MQTTPacketDecoder()) })
        defer { connection.close() }
        tally.record(.tcpTLS, since: start)

        let connectStart = ContinuousClock.now
        try connection.send(packet: .connect(MQTTConnect(clientIdentifier: device.registrationID, keepAliveSeconds: 60)))
        guard case .connAck(let connAck) = try await next(connection, awaiting: "CONNACK") else {
            throw FleetFailure(.protocolError, "the first packet after CONNECT is not CONNACK")
        }
        guard connAck.returnCode == .accepted else { throw FleetFailure(.connackRefused, "CONNACK return code \(connAck.returnCode.rawValue)") }
        tally.record(.connect, since: connectStart)

        let subscribeStart = ContinuousClock.now
        let base = "fleet/" + device.registrationID
        try connection.send(packet: .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: base + "/#", requestedQoS: .atLeastOnce)])))
        guard case .subAck = try await next(connection, awaiting: "SUBACK") else {
            throw FleetFailure(.protocolError, "the answer to SUBSCRIBE is not SUBACK")
        }
        tally.record(.subscribe, since: subscribeStart)

        let payload = Array(("{\"registrationId\":\"" + device.registrationID + "\"}").utf8)
        for (phase, identifier) in [(FleetPhase.register, UInt16(2)), (.poll, 3)] {
            await pacer.wait()
            let requestStart = ContinuousClock.now
            tally.requests[phase.rawValue, default: 0] += 1
            let topic = base + "/" + phase.rawValue
            try connection.send(packet: .publish(MQTTPublish(topicName: topic, payload: payload, qos: .atLeastOnce, packetIdentifier: identifier)))
            while true {
                guard case .publish(let publish) = try await next(connection, awaiting: "the \(phase.rawValue) echo") else { continue }
                if publish.qos == .atLeastOnce, let id = publish.packetIdentifier { try connection.send(packet: .pubAck(packetIdentifier: id)) }
                if publish.topicName == topic { break }
            }
            tally.record(phase, since: requestStart)
        }
        tally.record(.total, since: start)
        try? connection.send(packet: .disconnect)
    }

    private func next(_ connection: FleetConnection<MQTTPacket>, awaiting what: String) async throws(FleetFailure) -> MQTTPacket {
        while true {
            let packet = try await connection.next(deadline: settings.deadline(), awaiting: what)
            if case .pubAck = packet { continue }
            return packet
        }
    }
}
