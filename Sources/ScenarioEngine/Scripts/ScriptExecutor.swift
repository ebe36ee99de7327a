import DPSCore
import Device
import Foundation
import MQTTWire

/// What a script may use as the device: its registration ID and credentials. The executor
/// depends only on these and the endpoint, never on the fake behind it.
public struct ScriptCredentials: Sendable {
    public var registrationID: String
    /// The device's symmetric key (base64), for SAS tokens.
    public var symmetricKey: String?
    /// The device's X.509 identity, for `connect: {certificate: true}` and HTTPS requests.
    public var identity: RawTLSStream.ClientIdentity?

    public init(registrationID: String, symmetricKey: String?, identity: RawTLSStream.ClientIdentity?) {
        self.registrationID = registrationID
        self.symmetricKey = symmetricKey
        self.identity = identity
    }
}

/// How one step went.
public struct ScriptStepResult: Sendable {
    public enum Run: Sendable {
        /// It ran and this is what the service answered.
        case answered(ScriptAnswer)
        /// It could not run (connection refused, no TLS, a placeholder without a value).
        case couldNotRun(String)
        /// An earlier step could not run, so this one was not tried.
        case notRun(String)
    }

    public let step: ScriptStep
    public let run: Run
    /// Transcript positions (counts before and after the step), for evidence.
    public let events: Range<Int>
}

/// Performs a device script against an endpoint, one step after another, each within its deadline.
public struct ScriptExecutor: Sendable {
    public let endpoint: ServiceEndpoint
    public let credentials: ScriptCredentials
    /// The transport of `register` and `poll` steps.
    public let transport: ScenarioTransport
    /// How many transcript events exist now (nil when nobody records them).
    public var mark: (@Sendable () -> Int)?

    public init(endpoint: ServiceEndpoint, credentials: ScriptCredentials, transport: ScenarioTransport) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.transport = transport
    }

    public func run(_ script: DeviceScript) async -> [ScriptStepResult] {
        let state = ScriptState(registrationID: credentials.registrationID, idScope: endpoint.idScope)
        var results: [ScriptStepResult] = []
        var stopped: String?
        for step in script.steps {
            let before = mark?() ?? 0
            if let stopped {
                results.append(ScriptStepResult(step: step, run: .notRun(stopped), events: before..<before))
                continue
            }
            let run: ScriptStepResult.Run
            do throws(ScriptStepError) {
                var answer = try await perform(step, state: state)
                if case .nothing = answer { answer = .nothing(step.within) }
                state.bind(step, answer: answer)
                run = .answered(answer)
            } catch {
                run = .couldNotRun(error.description)
                stopped = "\(step.label) could not run: \(error.description)"
            }
            // The fake records the last event of an exchange just after the device reads it.
            if mark != nil { try? await Task.sleep(for: .milliseconds(20)) }
            results.append(ScriptStepResult(step: step, run: run, events: before..<max(before, mark?() ?? 0)))
        }
        await state.mqtt?.close()
        return results
    }

    private func perform(_ step: ScriptStep, state: ScriptState) async throws(ScriptStepError) -> ScriptAnswer {
        let deadline = ContinuousClock.now + step.within
        let rid = String(step.number)
        switch step.action {
        case .connect(let action): return try await connect(action, state: state, deadline: deadline)
        case .subscribe(let filter, let qos):
            let connection = try state.connection()
            let id = connection.takePacketIdentifier()
            let subscription = MQTTSubscription(topicFilter: try state.resolve(filter, rid: rid), requestedQoS: MQTTQoS(rawValue: qos) ?? .atLeastOnce)
            try await connection.send(.subscribe(MQTTSubscribe(packetIdentifier: id, subscriptions: [subscription])))
            return await answer(on: connection, until: deadline) { if case .subAck(let ack) = $0 { return ack.packetIdentifier == id } else { return false } }
        case .publish(let topic, let qos, let payload):
            return try await publish(topic: try state.resolve(topic, rid: rid), qos: qos, payload: try state.resolve(payload, rid: rid),
                                     state: state, deadline: deadline)
        case .register(let body, let requestID):
            let body = try state.resolve(body ?? Self.registrationBody, rid: rid)
            if transport == .mqtt {
                let rid = try resolved(requestID, state: state, rid: rid) ?? rid
                return try await publish(topic: DPSTopic.register(requestID: rid), qos: 1, payload: body, state: state, deadline: deadline)
            }
            return try await https(method: "PUT", operation: .register, body: body, state: state, deadline: deadline)
        case .poll(let operationID, let payload, let requestID):
            let operationID = try state.resolve(operationID, rid: rid)
            if transport == .mqtt {
                let rid = try resolved(requestID, state: state, rid: rid) ?? rid
                return try await publish(topic: DPSTopic.poll(requestID: rid, operationID: operationID), qos: 1,
                                         payload: try state.resolve(payload, rid: rid), state: state, deadline: deadline)
            }
            return try await https(method: "GET", operation: .operationStatus(operationID: operationID), body: nil, state: state, deadline: deadline)
        case .statusLookup(let body):
            return try await https(method: "POST", operation: .statusLookup, body: try state.resolve(body ?? Self.registrationBody, rid: rid),
                                   state: state, deadline: deadline)
        case .request(let request): return try await send(request, state: state, rid: rid, deadline: deadline)
        case .wait(let wait): return try await self.wait(wait, state: state, deadline: deadline)
        case .disconnect:
            let connection = try state.connection()
            try? await connection.send(.disconnect)
            await connection.close()
            return .notAsked
        case .raw(let bytes):
            if state.mqtt == nil || state.mqtt?.closed == true { state.mqtt = ScriptMQTTConnection(stream: try await openStream(useCertificate: false, deadline: deadline)) }
            let connection = try state.connection()
            try await connection.sendRaw(bytes)
            return await answer(on: connection, until: deadline) { _ in true }
        }
    }

    static let registrationBody = #"{"registrationId":"{registrationId}"}"#

    /// `text` with its placeholders filled in, when there is a text.
    private func resolved(_ text: String?, state: ScriptState, rid: String?) throws(ScriptStepError) -> String? {
        guard let text else { return nil }
        return try state.resolve(text, rid: rid)
    }

    private func openStream(useCertificate: Bool, deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> RawTLSStream {
        guard let port = endpoint.mqttPort else { throw ScriptStepError("the endpoint has no MQTT port") }
        do {
            return try await RawTLSStream.connect(host: endpoint.host, port: port, caFile: endpoint.caFile,
                                                  identity: useCertificate ? credentials.identity : nil, timeout: deadline - ContinuousClock.now)
        } catch {
            throw ScriptStepError(error.reason)
        }
    }

    private func connect(_ action: ConnectAction, state: ScriptState, deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> ScriptAnswer {
        if let previous = state.mqtt { await previous.close() }
        if action.useCertificate, credentials.identity == nil { throw ScriptStepError("the case gives the device no certificate") }
        let connection = ScriptMQTTConnection(stream: try await openStream(useCertificate: action.useCertificate, deadline: deadline))
        state.mqtt = connection
        var password: [UInt8]?
        switch action.password {
        case .omitted: password = nil
        case .text(let text): password = Array(try state.resolve(text, rid: nil).utf8)
        case .sas(let form): password = Array(try sasToken(form, state: state).utf8)
        }
        let connect = MQTTConnect(clientIdentifier: try state.resolve(action.clientID, rid: nil), cleanSession: action.cleanSession,
                                  keepAliveSeconds: action.keepAliveSeconds, userName: try state.resolve(action.username, rid: nil), password: password)
        try await connection.send(.connect(connect))
        return await answer(on: connection, until: deadline) { if case .connAck = $0 { return true } else { return false } }
    }

    /// A SAS token for the device in `form` (DPS-AUTH-SAS-001; the variants of DPS-SVC-SAS-*).
    func sasToken(_ form: SASForm, state: ScriptState) throws(ScriptStepError) -> String {
        guard var key = credentials.symmetricKey else { throw ScriptStepError("the case gives the device no symmetric key to sign a SAS token with") }
        if form.wrongKey { key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        let registrationID = try resolved(form.registrationID, state: state, rid: nil) ?? credentials.registrationID
        let resource = SASToken.resourceText(idScope: endpoint.idScope, registrationID: registrationID, encoding: form.encoding)
        let expiry = Int64(Date().timeIntervalSince1970) + Int64(form.lifetimeSeconds)
        do {
            return try SASToken.create(resource: resource, keyBase64: key, expiry: expiry, keyName: form.keyName, fieldOrder: form.fieldOrder).text
        } catch {
            throw ScriptStepError("cannot sign a SAS token with the case's key: \(error)")
        }
    }

    private func publish(topic: String, qos: UInt8, payload: String, state: ScriptState, deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> ScriptAnswer {
        let connection = try state.connection()
        let level = MQTTQoS(rawValue: qos) ?? .atLeastOnce
        let id = level == .atMostOnce ? nil : connection.takePacketIdentifier()
        let sentRID = topic.split(separator: "?", maxSplits: 1).dropFirst().first.flatMap { try? TopicProperties(parsing: String($0)).raw("$rid") }
        state.lastRequestID = sentRID
        try await connection.send(.publish(MQTTPublish(topicName: topic, payload: Array(payload.utf8), qos: level, packetIdentifier: id)))
        var answer = await self.answer(on: connection, until: deadline, sentRequestID: sentRID, where: Self.isResponse)
        let acknowledged = connection.takeQueued { packet in
            guard case .pubAck(let acked) = packet else { return false }
            return id.map { $0 == acked } ?? true
        }
        if case .response(var response) = answer {
            response.pubAck = acknowledged
            answer = .response(response)
        }
        return answer
    }

    static func isResponse(_ packet: MQTTPacket) -> Bool {
        if case .publish(let publish) = packet { return publish.topicName.hasPrefix("$dps/registrations/res/") }
        return false
    }

    /// The first packet `accept` takes before `deadline`, as an answer.
    private func answer(on connection: ScriptMQTTConnection, until deadline: ContinuousClock.Instant, sentRequestID: String? = nil,
                        where accept: (MQTTPacket) -> Bool) async -> ScriptAnswer {
        guard let packet = await connection.next(until: deadline, where: accept) else {
            return connection.closed ? .closed : .nothing(.zero)
        }
        switch packet {
        case .connAck(let ack): return .connAck(ack)
        case .subAck(let ack): return .subAck(ack)
        case .publish(let publish) where Self.isResponse(packet):
            let rest = publish.topicName.dropFirst("$dps/registrations/res/".count)
            var response = ScriptResponse(status: Int(rest.prefix { $0.isNumber }) ?? 0, topic: publish.topicName, sentRequestID: sentRequestID,
                                          body: publish.payload)
            response.retryAfter = response.properties?.raw("retry-after")
            return .response(response)
        default: return .packet(packet)
        }
    }

    private func wait(_ wait: WaitAction, state: ScriptState, deadline: ContinuousClock.Instant) async throws(ScriptStepError) -> ScriptAnswer {
        switch wait {
        case .response:
            return await answer(on: try state.connection(), until: deadline, sentRequestID: state.lastRequestID, where: Self.isResponse)
        case .seconds(let seconds):
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return .notAsked
        case .retryAfter:
            guard let text = state.bindings["retryAfter"], let seconds = Double(text), seconds >= 0, seconds <= 600 else {
                throw ScriptStepError("no retry-after of 0 to 600 s to wait for (bind retryAfter from an answer first)")
            }
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return .notAsked
        }
    }
}
