import DPSCore
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A TCP listener of the fake whose every connection starts with the shared TLS handler and its
/// handshake deadline; each front end adds what sits above TLS. Connections are numbered per
/// listener (`mqtt#1`, `https#1`). A connection over the server's limit is accepted and closed
/// at once, its refusal recorded (`.closed(.overloaded(limit:))`), so a flood never hangs.
final class TLSListener: Sendable {
    let channel: any Channel
    /// The bound port (the ephemeral one chosen for port 0).
    let port: Int
    /// Accepted connections not yet closed.
    let connections: OpenConnections

    private init(channel: any Channel, connections: OpenConnections) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.connections = connections
    }

    /// Binds `host:port`; `above` adds the protocol handlers for each accepted connection.
    /// `refused` records a connection turned away because `gate` was full.
    static func bind(group: any EventLoopGroup, host: String, port: Int, tls: NIOSSLContext, connectionPrefix: String,
                     limits: ConnectionLimits, gate: ConnectionGate, refused: @escaping @Sendable (String, WireNote) -> Void,
                     above: @escaping @Sendable (ChannelPipeline.SynchronousOperations, ConnectionInfo) throws -> Void) async throws -> TLSListener {
        let counter = Atomic<Int>(0)
        let connections = OpenConnections()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = counter.add(1, ordering: .relaxed).newValue
                    let id = "\(connectionPrefix)#\(number)"
                    guard gate.enter() else {
                        refused(id, .closed(.overloaded(limit: gate.limit)))
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { _ in gate.leave() }
                    let info = ConnectionInfo(id: id)
                    connections.track(channel)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ServerTLSContext.handler(context: tls) { info.recordPeerCertificates($0) })
                    try sync.addHandler(HandshakeDeadlineHandler(limits: limits))
                    try above(sync, info)
                }
            }
        return TLSListener(channel: try await bootstrap.bind(host: host, port: port).get(), connections: connections)
    }

    /// Closes the listener.
    func stop() async {
        try? await channel.close()
    }
}
