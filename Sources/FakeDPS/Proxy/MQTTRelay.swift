import DPSCore
import MQTTWire
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One device connection of the recording proxy over MQTT: every packet the device sends is
/// recorded and forwarded to the service, every packet of the service is recorded and forwarded
/// to the device, byte for byte. Sits above the device-side TLS and MQTT framing handlers; the
/// upstream connection runs on the same event loop, so both directions are handled in order on
/// one thread.
final class MQTTRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ProxyFrame
    typealias OutboundOut = ByteBuffer

    private enum UpstreamState {
        case idle
        case connecting
        case open(any Channel)
        case closed
    }

    private let upstream: ProxyUpstream
    private let tls: NIOSSLContext
    private let recorder: WireRecorder
    private let pacer: UpstreamPacer
    private let failures: ProxyFailures
    private let info: ConnectionInfo
    private var state: UpstreamState = .idle
    /// Device bytes not yet sent upstream, each with the time before which it must not go.
    private var queue: [(bytes: [UInt8], notBefore: NIODeadline)] = []
    private var flushTask: Scheduled<Void>?
    private var registrationID: String?
    private var sawDisconnect = false
    private var closeNoted = false
    private var deviceContext: ChannelHandlerContext?

    init(upstream: ProxyUpstream, tls: NIOSSLContext, recorder: WireRecorder, pacer: UpstreamPacer, failures: ProxyFailures, info: ConnectionInfo) {
        self.upstream = upstream
        self.tls = tls
        self.recorder = recorder
        self.pacer = pacer
        self.failures = failures
        self.info = info
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deviceContext = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let framed: FramedPacket
        switch unwrapInboundIn(data) {
        case .packet(let packet):
            framed = packet
        case .undecodable(let malformed, let bytes):
            // Noted as the service would note it, and forwarded: what the service answers is recorded.
            recorder.malformed(malformed)
            enqueue(bytes, delay: .zero, context: context)
            return
        case .opaque(let bytes):
            enqueue(bytes, delay: .zero, context: context)
            return
        }
        var delay = Duration.zero
        switch framed.packet {
        case .connect(let connect):
            registrationID = (try? MQTTUsername(parsing: connect.userName ?? ""))?.registrationID
            recorder.presentedCertificates(info.peerCertificates())
        case .disconnect:
            sawDisconnect = true
        case .publish(let publish):
            if (try? DeviceRequestTopic(parsing: publish.topicName)) != nil {
                delay = pacer.delay(for: registrationID ?? recorder.connection)
            }
        default:
            break
        }
        recorder.inbound(framed.packet, raw: framed.raw, registrationID: registrationID)
        enqueue(framed.raw, delay: delay, context: context)
    }

    /// Queues device bytes for the service, not before `delay` from now nor before what is queued.
    private func enqueue(_ bytes: [UInt8], delay: Duration, context: ChannelHandlerContext) {
        let earliest = NIODeadline.now() + .nanoseconds(Int64(delay.seconds * 1e9))
        let notBefore = max(queue.last?.notBefore ?? earliest, earliest)
        queue.append((bytes, notBefore))
        if case .idle = state { connect(context) }
        flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let cause = CloseCause.transport(error)
        noteClose(cause == .peerClosed && sawDisconnect ? .deviceDisconnected : cause)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        noteClose(sawDisconnect ? .deviceDisconnected : .peerClosed)
        flushTask?.cancel()
        if case .open(let channel) = state {
            // What the device sent last (its DISCONNECT) still goes, without waiting for pacing.
            for item in queue { channel.write(ByteBuffer(bytes: item.bytes), promise: nil) }
            queue.removeAll()
            channel.flush()
            channel.close(promise: nil)
        }
        state = .closed
        deviceContext = nil
        context.fireChannelInactive()
    }

    // MARK: The service side

    /// Bytes of the service the proxy could not decode: noted once, written to the device as they are.
    func fromService(_ frame: ProxyFrame) {
        switch frame {
        case .packet(let framed): fromService(framed)
        case .undecodable(let malformed, let bytes):
            recorder.note(.info("the service sent bytes that do not decode as MQTT (\(malformed.error.code.rawValue): \(malformed.error.reason)); forwarded as they are"))
            deviceContext?.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        case .opaque(let bytes):
            deviceContext?.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        }
    }

    /// A packet from the service: recorded, then written to the device.
    func fromService(_ framed: FramedPacket) {
        recorder.outbound(framed.packet, raw: framed.raw)
        if case .publish(let publish) = framed.packet, let topic = try? ResponseTopic(parsing: publish.topicName) {
            pacer.retryAfter(topic.retryAfterText, device: registrationID ?? recorder.connection)
        }
        guard let context = deviceContext else { return }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: framed.raw)), promise: nil)
    }

    /// The service closed its side, or it failed: the device's connection is closed the same way.
    func serviceClosed(error: (any Error)?) {
        guard case .closed = state else {
            state = .closed
            if let error {
                let message = ProxyFailures.describe(error, upstream: upstream, transport: "MQTT")
                failures.add(message)
                noteClose(.error(message))
            } else {
                noteClose(.byService)
            }
            deviceContext?.close(promise: nil)
            return
        }
    }

    private func connect(_ context: ChannelHandlerContext) {
        guard let port = upstream.mqttPort else {
            let message = "the upstream has no MQTT port"
            failures.add(message)
            noteClose(.error(message))
            context.close(promise: nil)
            return
        }
        state = .connecting
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        upstream.connect(port: port, tls: tls, on: context.eventLoop) { sync in
            try sync.addHandler(ProxyFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
            try sync.addHandler(UpstreamMQTTHandler(relay: bound))
        }
            .whenComplete { result in
                let relay = bound.value
                switch result {
                case .success(let channel):
                    guard case .connecting = relay.state else {
                        channel.close(promise: nil)
                        return
                    }
                    relay.state = .open(channel)
                    relay.flush()
                case .failure(let error):
                    relay.serviceClosed(error: error)
                }
            }
    }

    /// Sends what is due, and schedules the next flush for what is held back.
    private func flush() {
        guard case .open(let channel) = state else { return }
        flushTask?.cancel()
        flushTask = nil
        let now = NIODeadline.now()
        var wrote = false
        while let first = queue.first, first.notBefore <= now {
            channel.write(ByteBuffer(bytes: first.bytes), promise: nil)
            queue.removeFirst()
            wrote = true
        }
        if wrote { channel.flush() }
        if let next = queue.first {
            let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
            flushTask = channel.eventLoop.scheduleTask(deadline: next.notBefore) { bound.value.flush() }
        }
    }

    private func noteClose(_ cause: CloseCause) {
        guard !closeNoted else { return }
        closeNoted = true
        recorder.note(.closed(cause))
    }
}

/// The upstream end of an MQTT relay: hands the service's packets and its close to the relay.
final class UpstreamMQTTHandler: ChannelInboundHandler {
    typealias InboundIn = ProxyFrame

    private let relay: NIOLoopBound<MQTTRelayHandler>
    private var failure: (any Error)?

    init(relay: NIOLoopBound<MQTTRelayHandler>) {
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        relay.value.fromService(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A close without close_notify after the service's last packet is an ordinary close.
        if CloseCause.transport(error) != .peerClosed { failure = failure ?? error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.value.serviceClosed(error: failure)
        context.fireChannelInactive()
    }
}

/// Ends an upstream connection whose TLS handshake is not done within `limit` of connecting.
final class UpstreamHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    struct TimedOut: Error, CustomStringConvertible {
        let seconds: Double
        var description: String { "the TLS handshake did not finish within \(seconds) s" }
    }

    private let limit: Duration
    private var task: Scheduled<Void>?

    init(limit: Duration) {
        self.limit = limit
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let seconds = limit.seconds
        task = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            bound.value.fireErrorCaught(TimedOut(seconds: seconds))
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            task?.cancel()
            task = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        context.fireChannelInactive()
    }
}
