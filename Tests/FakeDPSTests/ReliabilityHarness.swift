import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A real fake on loopback with short deadlines, and raw clients that misbehave on purpose: the
/// reliability suite's world. Every wait is bounded; no assertion is about speed.
enum Reliability {
    /// Deadlines short enough for a test, long enough for a loaded machine's handshake.
    static func shortLimits(_ seconds: Double = 0.5, maximumConnections: Int = 1024) -> ConnectionLimits {
        let limit = Duration.milliseconds(Int64(seconds * 1000))
        return ConnectionLimits(tlsHandshake: limit, connect: limit, mqttIdle: limit, requestHead: limit, requestBody: limit,
                                httpIdle: limit, maximumConnections: maximumConnections)
    }

    /// Starts a fake (MQTT and HTTPS) with `limits` on two threads; the caller stops it.
    static func server(_ limits: ConnectionLimits, transcript: Transcript = Transcript(),
                       configure: (inout ServiceConfiguration) -> Void = { _ in }) async throws -> FakeDPSServer {
        try await FakeDPSServer.start(configuration: ServiceFixture.configuration(configure), clock: VirtualClock(), httpsPort: 0,
                                      transcript: transcript, logger: ServiceFixture.quietLogger, limits: limits,
                                      eventLoops: .dedicated(threads: 2))
    }

    static let clientGroup = MultiThreadedEventLoopGroup.singleton

    /// The close notes of the transcript.
    static func closeCauses(_ transcript: Transcript) -> [(connection: String, cause: CloseCause)] {
        transcript.snapshot.compactMap { event in
            if case .note(.closed(let cause)) = event.content { return (event.connection, cause) }
            return nil
        }
    }

    /// The phases named by deadline closes.
    static func deadlinePhases(_ transcript: Transcript) -> [String] {
        closeCauses(transcript).compactMap { if case .deadline(let phase, _) = $0.cause { return phase }; return nil }
    }

    /// Polls `condition` every 20 ms until it holds or `limit` passes.
    static func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// Collects what a raw test client receives and whether its TLS handshake finished.
final class ClientSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let state = Mutex<(bytes: [UInt8], handshaken: Bool)>(([], false))

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        state.withLock { $0.bytes.append(contentsOf: bytes) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { state.withLock { $0.handshaken = true } }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var handshaken: Bool { state.withLock { $0.handshaken } }

    /// The MQTT packets received so far.
    func packets() -> [MQTTPacket] {
        var decoder = MQTTFrameDecoder()
        decoder.append(bytes)
        var packets: [MQTTPacket] = []
        while let packet = try? decoder.nextPacket() { packets.append(packet) }
        return packets
    }

    /// The PUBLISHes received so far.
    func publishes() -> [MQTTPublish] { packets().compactMap(\.publish) }
}

/// One raw client connection to the fake: plain TCP (`tls: false`) or TLS trusting anything.
struct RawClient {
    let channel: any Channel
    let sink: ClientSink

    /// `curves`: the key-exchange groups the client offers (nil: NIOSSL's default).
    static func connect(port: Int, tls: Bool, curves: [NIOTLSCurve]? = nil) async throws -> RawClient {
        let sink = ClientSink()
        let context: NIOSSLContext? = tls ? try Self.tlsContext(curves: curves) : nil
        let channel = try await ClientBootstrap(group: Reliability.clientGroup)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(sink)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, sink: sink)
    }

    /// Connects with TLS and waits for the handshake to finish.
    static func connectedTLS(port: Int) async throws -> RawClient {
        let client = try await connect(port: port, tls: true)
        guard await Reliability.eventually(within: .seconds(10), { client.sink.handshaken }) else {
            throw HarnessFailure("the TLS handshake did not finish")
        }
        return client
    }

    private static func tlsContext(curves: [NIOTLSCurve]?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.curves = curves
        return try NIOSSLContext(configuration: configuration)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    func send(_ packet: MQTTPacket) async throws { try await write(try packet.encode()) }

    /// Whether the fake closed the connection within `limit`.
    func closed(within limit: Duration) async -> Bool {
        await Reliability.eventually(within: limit) { !channel.isActive }
    }

    /// Sends `bytes` one at a time, `interval` apart, until they are all sent or the connection closes.
    func trickle(_ bytes: [UInt8], interval: Duration) async {
        for byte in bytes {
            guard channel.isActive else { return }
            try? await write([byte])
            try? await Task.sleep(for: interval)
        }
    }

    func close() async { try? await channel.close() }
}

/// An MQTT device session over a raw TLS client.
extension RawClient {
    static func mqttDevice(port: Int, id: String = "dev-1", password: String?, clock: any DPSClock = VirtualClock()) async throws -> RawClient {
        let client = try await connectedTLS(port: port)
        let pass = try password ?? ServiceFixture.token(for: id, clock: clock)
        try await client.send(.connect(MQTTConnect(clientIdentifier: id, cleanSession: true, keepAliveSeconds: 60,
                                                   userName: MQTTUsername(idScope: ServiceFixture.scope, registrationID: id).text,
                                                   password: Array(pass.utf8))))
        return client
    }

    func subscribe() async throws {
        try await send(.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [
            MQTTSubscription(topicFilter: DPSTopic.responseFilter, requestedQoS: .atLeastOnce)])))
    }

    func register(rid: String, id: String = "dev-1", packetID: UInt16 = 10) async throws {
        try await send(.publish(MQTTPublish(topicName: DPSTopic.register(requestID: rid), payload: Array(DeviceRegistration.wireText(registrationId: id).utf8),
                                            qos: .atLeastOnce, packetIdentifier: packetID)))
    }

    func poll(rid: String, operation: String, packetID: UInt16 = 11) async throws {
        try await send(.publish(MQTTPublish(topicName: DPSTopic.poll(requestID: rid, operationID: operation), payload: [],
                                            qos: .atLeastOnce, packetIdentifier: packetID)))
    }

    /// The first response PUBLISH whose `$rid` is `rid`, waiting up to `limit`.
    func response(rid: String, within limit: Duration = .seconds(10)) async -> (topic: ResponseTopic, body: [UInt8])? {
        var found: (ResponseTopic, [UInt8])?
        _ = await Reliability.eventually(within: limit) {
            for publish in sink.publishes() {
                if let topic = try? ResponseTopic(parsing: publish.topicName), topic.rawRequestID == rid {
                    found = (topic, publish.payload)
                    return true
                }
            }
            return false
        }
        return found
    }
}
