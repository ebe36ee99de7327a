import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A TLS connection that carries exactly the bytes it is given, for device scripts: the script
/// writes its own MQTT packets or HTTP messages and reads what the service answers. Every read
/// has a deadline; nothing waits for ever.
public final class RawTLSStream: Sendable {
    /// The client's own certificate chain (leaf first) and key, for X.509 attestation.
    public struct ClientIdentity: Sendable {
        public var chainPEM: String
        public var keyPEM: String

        public init(chainPEM: String, keyPEM: String) {
            self.chainPEM = chainPEM
            self.keyPEM = keyPEM
        }
    }

    private let channel: any Channel
    private let inbox: RawTLSInbox

    private init(channel: any Channel, inbox: RawTLSInbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects and completes the TLS handshake within `timeout`; `caFile` nil trusts the system store.
    public static func connect(host: String, port: Int, caFile: String?, identity: ClientIdentity? = nil,
                               timeout: Duration) async throws(TransportError) -> RawTLSStream {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.shutdownTimeout = .milliseconds(500)
        let context: NIOSSLContext
        do {
            if let caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
            if let identity {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.chainPEM.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem))
            }
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw TransportError(.failed, "cannot set up TLS: \(error)")
        }
        // SNI and host-name checks take a name, not an address literal.
        let serverName = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
        let inbox = RawTLSInbox()
        let start = ContinuousClock.now
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(timeout.nanoseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(RawTLSInboxHandler(inbox: inbox))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw TransportError(.connectFailed, "cannot connect to \(host):\(port): \(error)")
        }
        let stream = RawTLSStream(channel: channel, inbox: inbox)
        // The handshake ends with the first byte written or read; wait for it within what is left.
        let remaining = timeout - (ContinuousClock.now - start)
        do {
            try await withDeadline(remaining) { try await inbox.handshake.get() }
        } catch {
            await stream.close()
            let reason = inbox.failure.map { "\($0)" } ?? "no TLS session within \(timeout)"
            throw TransportError(.connectFailed, "TLS with \(host):\(port) failed: \(reason)")
        }
        return stream
    }

    /// Writes `bytes` as they are.
    public func send(_ bytes: [UInt8]) async throws(TransportError) {
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        } catch {
            throw TransportError(.connectionLost, "cannot write \(bytes.count) bytes: \(inbox.failure.map { "\($0)" } ?? "\(error)")")
        }
    }

    /// What arrived so far and was not taken yet, waiting until `deadline` for at least one byte;
    /// empty when nothing came in time. `closed` tells whether the peer has closed.
    public func receive(until deadline: ContinuousClock.Instant) async -> (bytes: [UInt8], closed: Bool) {
        while true {
            let (bytes, closed) = inbox.take()
            if !bytes.isEmpty || closed || ContinuousClock.now >= deadline || Task.isCancelled { return (bytes, closed) }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Whether the peer has closed the connection (bytes may still be waiting).
    public var isClosed: Bool { inbox.isClosed }

    /// Closes the connection; later reads see it closed.
    public func close() async {
        try? await channel.close().get()
    }
}

/// Waits for `operation` at most `limit`.
private func withDeadline(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await operation()
            return true
        }
        group.addTask {
            try await Task.sleep(for: max(limit, .zero))
            return false
        }
        let finished = try await group.next() ?? false
        group.cancelAll()
        if !finished { throw TransportError(.timeout, "deadline") }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

/// Bytes received on a raw TLS connection, shared between its event loop and the reader.
final class RawTLSInbox: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var failure: (any Error)?
        var handshakeDone = false
    }

    private let state = Mutex(State())
    private let handshakeGate = AsyncGate()

    var handshake: AsyncGate { handshakeGate }

    func append(_ bytes: some Sequence<UInt8>) { state.withLock { $0.bytes += bytes } }

    func markClosed() {
        state.withLock { $0.closed = true }
        handshakeGate.open(failing: true)
    }

    func fail(_ error: any Error) {
        state.withLock { if $0.failure == nil { $0.failure = error } }
    }

    func handshakeCompleted() { handshakeGate.open(failing: false) }

    func take() -> ([UInt8], Bool) {
        state.withLock { state in
            defer { state.bytes = [] }
            return (state.bytes, state.closed)
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    var failure: String? { state.withLock { $0.failure.map { "\($0)" } } }
}

/// A one-shot signal: opened once, successfully or not; waiters poll it (a few milliseconds apart).
final class AsyncGate: Sendable {
    private let state = Mutex<Bool?>(nil)

    func open(failing: Bool) { state.withLock { if $0 == nil { $0 = !failing } } }

    func get() async throws {
        while true {
            if let succeeded = state.withLock({ $0 }) {
                if succeeded { return }
                throw TransportError(.connectionLost, "closed")
            }
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Hands every inbound byte to the inbox and notes the handshake, errors and the close.
final class RawTLSInboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: RawTLSInbox

    init(inbox: RawTLSInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(unwrapInboundIn(data).readableBytesView)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { inbox.handshakeCompleted() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.markClosed()
        context.fireChannelInactive()
    }
}
