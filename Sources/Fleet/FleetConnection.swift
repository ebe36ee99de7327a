import MQTTWire
import NIOCore
import NIOPosix
import NIOSSL

/// One device's TLS connection: its channel and the queue of what it receives. The device's task
/// owns it and closes it; the pipeline only delivers into the queue.
struct FleetConnection<Message: Sendable>: Sendable {
    let channel: any Channel
    let queue: InboundQueue<Message>

    /// Connects and completes the TLS handshake before `deadline`. `decoders` adds the handlers
    /// between TLS and the delivery handler (MQTT framing, or HTTP client codec and assembler).
    static func open(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext, deadline: NIODeadline,
                     decoders: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void)
        async throws(FleetFailure) -> FleetConnection<Message> {
        let loop = group.next()
        let queue = InboundQueue<Message>(eventLoop: loop)
        // SNI and the host-name check take a name; an address literal is checked against the IP SANs.
        let serverName = host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } ? nil : host
        let remaining = deadline - .now()
        guard remaining > .zero else { throw FleetFailure(.timeout, "no time left to connect") }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(remaining)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    try decoders(pipeline)
                    try pipeline.addHandler(DeliveryHandler(queue: queue))
                }
            }
        let channel: any Channel
        do {
            // An address literal is dialled as is, without a resolver round trip.
            if let address = try? SocketAddress(ipAddress: host, port: port) {
                channel = try await bootstrap.connect(to: address).get()
            } else {
                channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            throw Self.connectFailure(error, host: host, port: port)
        }
        let connection = FleetConnection(channel: channel, queue: queue)
        do {
            try await queue.handshake(deadline: deadline)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// The next message before `deadline`.
    func next(deadline: NIODeadline, awaiting what: String) async throws(FleetFailure) -> Message {
        try await queue.next(deadline: deadline, awaiting: what)
    }

    /// Writes and flushes `part`; a failed write shows up as the queue's failure on the next wait.
    func send<Part: Sendable>(_ part: Part) {
        channel.writeAndFlush(part, promise: nil)
    }

    /// Writes `part` without flushing.
    func write<Part: Sendable>(_ part: Part) {
        channel.write(part, promise: nil)
    }

    /// Closes the connection without waiting for the TLS close_notify exchange to finish.
    func close() {
        channel.close(promise: nil)
    }

    static func connectFailure(_ error: any Error, host: String, port: Int) -> FleetFailure {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return FleetFailure(.timeout, "TCP connect to \(host):\(port) did not finish before the deadline")
        }
        if let connectionError = error as? NIOConnectionError,
           connectionError.connectionErrors.contains(where: { ($0.error as? ChannelError).map { if case .connectTimeout = $0 { true } else { false } } ?? false }) {
            return FleetFailure(.timeout, "TCP connect to \(host):\(port) did not finish before the deadline")
        }
        return FleetFailure(.connectRefused, "cannot connect to \(host):\(port): \(error)")
    }
}

extension FleetConnection where Message == MQTTPacket {
    /// Encodes and sends one MQTT packet.
    func send(packet: MQTTPacket) throws(FleetFailure) {
        do {
            send(ByteBuffer(bytes: try packet.encode()))
        } catch {
            throw FleetFailure(.protocolError, "cannot encode \(packet.packetType.name): \(error)")
        }
    }
}
