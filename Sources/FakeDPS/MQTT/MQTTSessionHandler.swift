import DPSCore
import MQTTWire
import NIOCore
import NIOSSL
import NIOTLS

/// One device's MQTT session with the fake DPS (Microsoft Learn iot-dps-mqtt-support): CONNECT, SUBSCRIBE to the
/// response filter, register and poll PUBLISHes answered on the response topic.
final class MQTTSessionHandler: ChannelInboundHandler {
    typealias InboundIn = FramedPacket
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingConnect
        case connected(DeviceIdentity, AttestationOutcome)
        case closed
    }

    static let undeliveredRequirement = RequirementID.dpsMqttSub002
    private let service: ProvisioningService
    private let recorder: WireRecorder
    private let connection: ConnectionInfo
    private var state: State = .awaitingConnect
    private var subscribed = false
    private var nextPacketIdentifier: UInt16 = 1
    /// Inside a read burst (between channelRead and channelReadComplete): writes wait for its end.
    private var reading = false
    /// Something was written and not yet flushed.
    private var unflushed = false
    /// The last answer this connection sent (a fault plan may send it again, out of order).
    private var previousAnswer: MQTTPublish?

    private let subscribers: SubscriberRegistry
    private let limits: ConnectionLimits
    /// The CONNECT deadline, then the idle deadline between whole packets.
    private var timer = PhaseTimer()
    /// The CONNECT's keepalive; 0 means none (then `limits.mqttIdle` applies).
    private var keepAliveSeconds: UInt16 = 0

    init(service: ProvisioningService, recorder: WireRecorder, connection: ConnectionInfo, subscribers: SubscriberRegistry = SubscriberRegistry(),
         limits: ConnectionLimits = .defaults) {
        self.service = service
        self.recorder = recorder
        self.connection = connection
        self.subscribers = subscribers
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        let framed = unwrapInboundIn(data)
        recorder.inbound(framed.packet, raw: framed.raw, registrationID: registrationID)
        defer { if case .connected = state { restartIdleDeadline(context) } }
        switch (state, framed.packet) {
        case (.closed, _):
            return
        case (.awaitingConnect, .connect(let connect)):
            handleConnect(connect, context: context)
        case (.awaitingConnect, let other):
            close(context, .violation(RequirementID(mqttRule: MQTTRule.connectFirst.id) ?? .harness, reason: "first packet was \(other.packetType.name), not CONNECT"))
        case (.connected, .connect):
            close(context, .violation(RequirementID(mqttRule: MQTTRule.secondConnect.id) ?? .harness, reason: "second CONNECT on one connection"))
        case (.connected(let identity, let attestation), .publish(let publish)):
            handlePublish(publish, identity: identity, attestation: attestation, context: context)
        case (.connected(let identity, let attestation), .subscribe(let subscribe)):
            handleSubscribe(subscribe, identity: identity, attestation: attestation, context: context)
        case (.connected, .unsubscribe(let unsubscribe)):
            if unsubscribe.topicFilters.contains(DPSTopic.responseFilter) { subscribed = false }
            send(.unsubAck(packetIdentifier: unsubscribe.packetIdentifier), context: context)
        case (.connected, .pubAck):
            return
        case (.connected, .pingReq):
            send(.pingResp, context: context)
        case (.connected, .disconnect):
            recorder.note(.closed(.deviceDisconnected))
            state = .closed
            flushAndClose(context)
        case (.connected, let other):
            close(context, .violation(.dpsMqttPkt001, reason: "unexpected \(other.packetType.name) from a device"))
        }
    }

    /// The deadline for the next whole packet, in real time, restarted after each one. With a
    /// keepalive, a silent client is dropped after one and a half keepalive periods
    /// (MQTT-3.1.1-3.1.2-24); keepalive 0 turns that mechanism off, and then the
    /// fake's own idle limit applies, so a connection cannot sit idle for ever. Counting whole
    /// packets (not bytes) also ends a packet trickled a byte at a time.
    private func restartIdleDeadline(_ context: ChannelHandlerContext) {
        let limit: Duration = keepAliveSeconds > 0 ? .milliseconds(Int64(keepAliveSeconds) * 1500) : limits.mqttIdle
        timer.start(.mqttIdle, limit: limit, on: context.eventLoop) { [self, context] expired in
            expire(expired, context: context)
        }
    }

    private func expire(_ expired: DeadlineExpired, context: ChannelHandlerContext) {
        if expired.phase == .mqttIdle, keepAliveSeconds > 0 {
            close(context, .violation(RequirementID(mqttRule: MQTTRule.keepAliveExpired.id) ?? .harness, reason: "no packet within 1.5 times the keepalive"))
        } else {
            close(context, expired.cause)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let expired = event as? DeadlineExpired {
            // The TLS handshake's deadline, from the handler above TLS.
            close(context, expired.cause)
            return
        }
        if case .handshakeCompleted? = event as? TLSUserEvent, case .awaitingConnect = state {
            timer.start(.connect, limits: limits, on: context.eventLoop) { [self, context] expired in
                expire(expired, context: context)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The end of a read burst: what the packets of the burst answered goes out in one flush
    /// (e.g. a PUBACK and the response PUBLISH: one socket write instead of two).
    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let malformed = error as? MalformedPacket {
            recorder.malformed(malformed)
            // A CONNECT refused after it was read whole still gets its CONNACK (MQTT-3.1.1-3.1.2-2, 3.1.3-8).
            if case .awaitingConnect = state {
                switch malformed.error.code {
                case .unacceptableProtocolLevel: send(.connAck(MQTTConnAck(returnCode: .unacceptableProtocolVersion)), context: context)
                case .clientIdentifierRejected: send(.connAck(MQTTConnAck(returnCode: .identifierRejected)), context: context)
                default: break
                }
            }
            close(context, .violation(RequirementID(mqttRule: malformed.error.requirementID) ?? .harness, reason: "malformed packet: \(malformed.error.reason)"))
        } else {
            close(context, CloseCause.transport(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.cancel()
        if case .connected(let identity, _) = state { subscribers.remove(identity, channel: context.channel) }
        if case .closed = state {} else { recorder.note(.closed(.peerClosed)) }
        state = .closed
        context.fireChannelInactive()
    }

    private func handleConnect(_ connect: MQTTConnect, context: ChannelHandlerContext) {
        let username: MQTTUsername
        do {
            username = try MQTTUsername(parsing: connect.userName ?? "")
        } catch let error as DPSCoreError {
            refuse(.badUserNameOrPassword, context: context, reason: error.reason, requirement: error.requirement)
            return
        } catch {
            refuse(.badUserNameOrPassword, context: context, reason: "\(error)", requirement: nil)
            return
        }
        if service.configuration.requireClientIDMatch, connect.clientIdentifier != username.registrationID {
            refuse(.identifierRejected, context: context,
                   reason: "client id '\(connect.clientIdentifier)' differs from the registration ID '\(username.registrationID)'", requirement: .dpsMqttConn001)
            return
        }
        let identity = DeviceIdentity(idScope: username.idScope, registrationID: username.registrationID, apiVersion: username.apiVersion)
        recorder.presentedCertificates(connection.peerCertificates())
        let password = connect.password.map { String(decoding: $0, as: UTF8.self) }
        let attestation = service.attest(identity, credentials: DeviceCredentials(sasToken: password, clientCertificateChain: connection.peerCertificates()))
        if case .refused(_, let reason, _) = attestation {
            recorder.note(.attestationRefused(requirement: attestation.violatedRequirement, reason: Redaction.text(reason)))
            if service.configuration.mqttAuthFailure == .connackNotAuthorized {
                refuse(.notAuthorized, context: context, reason: reason, requirement: attestation.violatedRequirement)
                return
            }
        }
        let fault = service.fault(for: .connect, registrationID: identity.registrationID)
        switch fault {
        case .refuseConnection(let code)?:
            recorder.note(.fault(.connectionRefused(returnCode: Int(code))))
            refuse(MQTTConnectReturnCode(rawValue: code), context: context, reason: "fault plan", requirement: nil)
            return
        case .dropConnection?:
            close(context, .fault(reason: "connection dropped after CONNECT"))
            return
        default:
            break
        }
        if connect.keepAliveSeconds == 0, service.configuration.quirks.rejectKeepAliveZero {
            // Deliberate intolerance (DPS-SVC-KEEPALIVE-001): MQTT 3.1.1 allows keepalive 0.
            refuse(.identifierRejected, context: context, reason: "keepalive 0 (quirk rejectKeepAliveZero)", requirement: .dpsSvcKeepalive001)
            return
        }
        state = .connected(identity, attestation)
        keepAliveSeconds = connect.keepAliveSeconds
        recorder.log("CONNECT \(identity.registrationID) accepted (api-version \(identity.apiVersion))")
        if case .withholdAcknowledgement? = fault {
            recorder.note(.fault(.acknowledgementWithheld(.connAck)))
            service.clock.noteSettled(registrationID: identity.registrationID)
            return
        }
        // DPS keeps no session state whatever the CleanSession flag.
        // (The quirk sessionPresent breaks this on purpose, DPS-SVC-SESSION-001.)
        let sessionPresent = service.configuration.quirks.sessionPresent
        sendLater(.connAck(MQTTConnAck(sessionPresent: sessionPresent, returnCode: .accepted)), delay: fault?.delay, context: context)
    }

    private func handleSubscribe(_ subscribe: MQTTSubscribe, identity: DeviceIdentity, attestation: AttestationOutcome, context: ChannelHandlerContext) {
        let fault = service.fault(for: .subscribe, registrationID: identity.registrationID)
        if case .dropConnection? = fault {
            close(context, .fault(reason: "connection dropped on SUBSCRIBE"))
            return
        }
        if case .refuseSubscription? = fault {
            recorder.note(.fault(.subscriptionRefused))
            send(.subAck(MQTTSubAck(packetIdentifier: subscribe.packetIdentifier, returnCodes: subscribe.subscriptions.map { _ in .failure })), context: context)
            return
        }
        let codes = subscribe.subscriptions.map { subscription -> MQTTSubAckReturnCode in
            // Only the response filter exists on DPS; QoS 2 is granted as 1 (Microsoft Learn iot-dps-mqtt-support, Microsoft Learn iot-dps-mqtt-support).
            guard subscription.topicFilter == DPSTopic.responseFilter else { return .failure }
            subscribed = true
            // Only a connection that attested as the device may receive answers to the device's
            // other connections; one whose credentials were refused gets its own answers only.
            if attestation.isVerified {
                service.rememberSubscription(of: identity)
                subscribers.add(identity, channel: context.channel, recorder: recorder)
            }
            return .granted(min(subscription.requestedQoS, .atLeastOnce))
        }
        if case .withholdAcknowledgement? = fault {
            recorder.note(.fault(.acknowledgementWithheld(.subAck)))
            service.clock.noteSettled(registrationID: identity.registrationID)
            return
        }
        sendLater(.subAck(MQTTSubAck(packetIdentifier: subscribe.packetIdentifier, returnCodes: codes)), delay: fault?.delay, context: context)
    }

    private func handlePublish(_ publish: MQTTPublish, identity: DeviceIdentity, attestation: AttestationOutcome, context: ChannelHandlerContext) {
        guard publish.payload.count <= MQTTLimits.maximumMessageSize else {
            close(context, .violation(.dpsMqttSize001, reason: "message of \(publish.payload.count) bytes exceeds the DPS limit of \(MQTTLimits.maximumMessageSize)"))
            return
        }
        let topic: DeviceRequestTopic
        do {
            topic = try DeviceRequestTopic(parsing: publish.topicName)
        } catch let error as DPSCoreError {
            close(context, error.requirement.map { .violation($0, reason: error.reason) } ?? .error(error.reason))
            return
        } catch {
            close(context, .error("\(error)"))
            return
        }
        let request: DeviceRequest
        switch topic {
        case .register:
            request = DeviceRequest(kind: .register, identity: identity, body: publish.payload)
        case .poll(_, let operationID, _):
            // The poll payload is ignored, whatever it is (unless the quirk rejectPollPayload is on).
            request = DeviceRequest(kind: .poll, identity: identity, operationID: operationID,
                                    body: service.configuration.quirks.rejectPollPayload ? publish.payload : [])
        }
        let enactment = service.enactment(for: request)
        if enactment.drop == .beforeAcknowledging {
            close(context, .fault(reason: "connection dropped before PUBACK"))
            return
        }
        if publish.qos == .atMostOnce, service.configuration.quirks.pubAckQoS0 {
            // Deliberate misbehaviour (DPS-SVC-QOS-001): a QoS 0 PUBLISH has no acknowledgement.
            send(.pubAck(packetIdentifier: 1), context: context)
        }
        // A device that waits for an acknowledgement that never comes (a withheld PUBACK, or the
        // PUBREC of QoS 2, which DPS does not speak) waits in vain whatever comes after.
        let acknowledgementOwed = publish.qos == .exactlyOnce || (publish.qos == .atLeastOnce && enactment.withholdsAcknowledgement)
        defer { if acknowledgementOwed { service.clock.noteSettled(registrationID: identity.registrationID) } }
        if publish.qos == .atLeastOnce, let id = publish.packetIdentifier {
            if enactment.withholdsAcknowledgement {
                recorder.note(.fault(.acknowledgementWithheld(.pubAck)))
            } else {
                send(.pubAck(packetIdentifier: id), context: context)
            }
        }
        if enactment.drop == .afterAcknowledging {
            close(context, .fault(reason: "connection dropped after PUBACK"))
            return
        }
        if let inapplicable = enactment.inapplicable { recorder.note(.fault(.notApplicable("\(inapplicable)"))) }
        let (response, note) = enactment.response(of: service, to: request, attestation: attestation)
        if let note { recorder.note(.fault(note)) }
        let requestIDFirst = enactment.requestIDFirst
        recorder.exchange(request, response)
        if enactment.withholdsAnswer {
            recorder.note(.fault(.responseWithheld(status: response.status)))
            service.clock.noteSettled(registrationID: identity.registrationID)
            return
        }
        // A device that subscribed on an earlier connection and re-sends after a reconnect without
        // subscribing again is still answered (Python SDK after a TCP drop).
        var topicName = DPSTopic.response(status: response.status, rawRequestID: enactment.requestIDOverride ?? topic.rawRequestID,
                                          retryAfter: response.retryAfter, requestIDFirst: requestIDFirst)
        if !service.configuration.quirks.requestIDEcho {
            // Deliberate misbehaviour (DPS-SVC-RID-001): the answer does not say which request it answers.
            topicName = "$dps/registrations/res/\(response.status)/" + (response.retryAfter.map { "?retry-after=\($0)" } ?? "")
        }
        // Routing is by connection and attestation: the answer to a request from a connection whose
        // credentials were refused never leaves that connection.
        if !subscribed, attestation.isVerified,
           subscribers.deliver(topic: topicName, payload: response.body, to: identity, except: context.channel) {
            recorder.note(.routed(status: response.status, toConnection: nil))
            return
        }
        guard subscribed || (publish.dup && attestation.isVerified && service.hasSubscribed(identity)) else {
            // Like any broker, nothing is delivered without a subscription (DPS-MQTT-SUB-002).
            recorder.note(.undelivered(status: response.status, requirement: Self.undeliveredRequirement))
            service.clock.noteSettled(registrationID: identity.registrationID)
            return
        }
        if let unexpected = enactment.packetBefore {
            sendLater(Self.packet(unexpected, identifier: takePacketIdentifier()), delay: enactment.delay, context: context)
        }
        if enactment.previousAnswerFirst, let previous = previousAnswer {
            // Out of order: an answer the device already had, to an earlier request, after the new one.
            let stale = MQTTPublish(topicName: previous.topicName, payload: previous.payload, qos: .atLeastOnce, packetIdentifier: takePacketIdentifier())
            sendLater(.publish(stale), delay: enactment.delay, context: context)
        }
        let reply = MQTTPublish(topicName: topicName, payload: response.body, qos: .atLeastOnce, packetIdentifier: takePacketIdentifier())
        previousAnswer = reply
        sendLater(.publish(reply), delay: enactment.delay, context: context)
        if enactment.duplicatesAnswer {
            let copy = MQTTPublish(topicName: topicName, payload: response.body, qos: .atLeastOnce, packetIdentifier: takePacketIdentifier())
            sendLater(.publish(copy), delay: enactment.delay, context: context)
        }
    }

    /// Sends now, or after the fault plan's delay (no wall time on a virtual clock).
    private func sendLater(_ packet: MQTTPacket, delay: Duration?, context: ChannelHandlerContext) {
        guard let duration = delay else {
            send(packet, context: context)
            return
        }
        let wait = service.clock.realDelay(forAnswerAfter: duration)
        recorder.note(.fault(.responseDelayed(seconds: duration.seconds)))
        guard wait > .zero else {
            send(packet, context: context)
            return
        }
        let nanoseconds = Int64(wait.components.seconds) * 1_000_000_000 + Int64(wait.components.attoseconds / 1_000_000_000)
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            guard !isClosed else { return }
            send(packet, context: context)
        }
    }

    /// The packet a fault plan's `packetBefore` sends.
    private static func packet(_ kind: ResponseModification.UnexpectedPacket, identifier: UInt16) -> MQTTPacket {
        switch kind {
        case .connack: .connAck(MQTTConnAck(sessionPresent: false, returnCode: .accepted))
        case .suback: .subAck(MQTTSubAck(packetIdentifier: identifier, returnCodes: [.granted(.atLeastOnce)]))
        case .unsuback: .unsubAck(packetIdentifier: identifier)
        case .pingresp: .pingResp
        case .puback: .pubAck(packetIdentifier: identifier)
        case .pubrec: .pubRec(packetIdentifier: identifier)
        case .pubrel: .pubRel(packetIdentifier: identifier)
        case .pubcomp: .pubComp(packetIdentifier: identifier)
        }
    }

    private func takePacketIdentifier() -> UInt16 {
        defer { nextPacketIdentifier = nextPacketIdentifier == UInt16.max ? 1 : nextPacketIdentifier + 1 }
        return nextPacketIdentifier
    }

    private func refuse(_ code: MQTTConnectReturnCode, context: ChannelHandlerContext, reason: String, requirement: RequirementID?) {
        recorder.note(.refused(status: Int(code.rawValue), requirement: requirement, reason: Redaction.text(reason)))
        send(.connAck(MQTTConnAck(sessionPresent: false, returnCode: code)), context: context)
        state = .closed
        flushAndClose(context)
    }

    private func send(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        guard let bytes = try? packet.encode() else {
            close(context, .error("could not encode \(packet.packetType.name)"))
            return
        }
        recorder.outbound(packet, raw: bytes)
        let buffer = wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes))
        if reading {
            // Flushed at the end of the read burst (channelReadComplete), or before a close.
            context.write(buffer, promise: nil)
            unflushed = true
        } else {
            context.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Closes the connection after what was written to it has gone out.
    private func flushAndClose(_ context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.close(promise: nil)
    }

    private func close(_ context: ChannelHandlerContext, _ cause: CloseCause) {
        guard !isClosed else { return }
        timer.cancel()
        if case .connected(let identity, _) = state { subscribers.remove(identity, channel: context.channel) }
        recorder.note(.closed(cause))
        state = .closed
        flushAndClose(context)
    }

    /// The registration ID the connection attested as, once CONNECT was accepted.
    private var registrationID: String? {
        if case .connected(let identity, _) = state { return identity.registrationID }
        return nil
    }

    private var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }
}
