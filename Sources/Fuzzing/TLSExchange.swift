import DPSCore
import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The client side of one fuzz case on the wire: connect over TLS (presenting a client certificate
/// when the case has one), write the request bytes at once, and read until the answer is complete,
/// the server closes, or the deadline passes. Every wait has that deadline: nothing hangs.
struct TLSExchange {
    /// How the exchange ended.
    enum Ending: Sendable, Hashable {
        /// `complete` said the answer was whole.
        case answered
        /// The server closed the connection (possibly after answering).
        case closedByServer
        /// The TLS handshake failed (an alert, or the server refused the certificate).
        case handshakeFailed(String)
        /// No answer and no close within the deadline.
        case deadline
        /// The connection could not be made.
        case connectFailed(String)
    }

    struct Result: Sendable {
        var received: [UInt8]
        var ending: Ending
    }

    /// How a slow sender writes the request: a few bytes, a pause, and again.
    struct Trickle: Sendable, Hashable {
        var bytesPerWrite: Int
        var interval: Duration
    }

    /// The most bytes read from one answer.
    static let limit = 256 * 1024

    let host: String
    let port: Int
    /// The TLS SNI and the name the server certificate must carry.
    let serverName: String
    let tls: TLSConfiguration
    let deadline: Duration
    /// Nil: the request is written at once.
    var trickle: Trickle? = nil
    /// The destination's request pacing; nil: no pacing (the in-process fake).
    var pacer: UpstreamPacer? = nil
    /// The protocol, to read a throttling answer's retry-after for the pacer.
    var transport: FuzzTransport = .mqtt

    /// The pacer's key for waits the whole service asked for (429 and 503 with a retry-after):
    /// every fuzz case is a new device, so a per-device wait would hold nothing back.
    static let serviceWide = "service"

    func run(_ request: [UInt8], complete: @escaping @Sendable ([UInt8]) -> Bool) async -> Result {
        if let pacer {
            let wait = pacer.delay(for: Self.serviceWide)
            if wait > .zero { try? await Task.sleep(for: wait) }
        }
        let result = await exchange(request, complete: complete)
        if let pacer, let (status, retryAfter) = Self.throttling(result.received, transport: transport) {
            if status == 429 || status == 503 { pacer.retryAfter(retryAfter, device: Self.serviceWide) }
        }
        return result
    }

    /// The status and retry-after of an answer, when it has both.
    static func throttling(_ received: [UInt8], transport: FuzzTransport) -> (Int, String)? {
        switch transport {
        case .https:
            guard let head = HTTPAnswerReader.head(received), let retryAfter = head.field("retry-after") else { return nil }
            return (head.status, retryAfter)
        case .mqtt:
            var decoder = MQTTFrameDecoder(maximumPacketSize: Self.limit)
            for packet in (try? decoder.feed(received)) ?? [] {
                guard case .publish(let publish) = packet, let topic = try? ResponseTopic(parsing: publish.topicName),
                      let retryAfter = topic.properties.raw("retry-after") else { continue }
                return (topic.status, retryAfter)
            }
            return nil
        }
    }

    private func exchange(_ request: [UInt8], complete: @escaping @Sendable ([UInt8]) -> Bool) async -> Result {
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            return Result(received: [], ending: .connectFailed("client TLS context: \(error)"))
        }
        let nanoseconds = deadline.components.seconds * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000
        let amount = TimeAmount.nanoseconds(nanoseconds)
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(amount)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return Result(received: [], ending: .connectFailed("\(error)"))
        }
        let timedOut = TimedOutFlag()
        let closer = channel.channel.eventLoop.scheduleTask(in: amount) {
            timedOut.set()
            channel.channel.close(promise: nil)
        }
        defer { closer.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var received: [UInt8] = []
                // A trickled request is written while the answer is read (the service may close first).
                let writer: Task<Void, Never>? = trickle.map { trickle in
                    Task {
                        var offset = 0
                        while offset < request.count, !Task.isCancelled {
                            let end = min(request.count, offset + max(1, trickle.bytesPerWrite))
                            guard (try? await outbound.write(ByteBuffer(bytes: request[offset..<end]))) != nil else { return }
                            offset = end
                            try? await Task.sleep(for: trickle.interval)
                        }
                    }
                }
                defer { writer?.cancel() }
                do {
                    if writer == nil { try await outbound.write(ByteBuffer(bytes: request)) }
                    for try await buffer in inbound {
                        received += buffer.readableBytesView
                        if complete(received) { return Result(received: received, ending: .answered) }
                        if received.count >= Self.limit { break }
                    }
                } catch {
                    if timedOut.value { return Result(received: received, ending: .deadline) }
                    if received.isEmpty, Self.isHandshakeFailure(error) { return Result(received: received, ending: .handshakeFailed("\(error)")) }
                    return Result(received: received, ending: .closedByServer)
                }
                return Result(received: received, ending: timedOut.value ? .deadline : .closedByServer)
            }
        } catch {
            if timedOut.value { return Result(received: [], ending: .deadline) }
            return Result(received: [], ending: Self.isHandshakeFailure(error) ? .handshakeFailed("\(error)") : .closedByServer)
        }
    }

    static func isHandshakeFailure(_ error: any Error) -> Bool {
        if error is NIOSSLError || error is BoringSSLError { return true }
        return false
    }
}

/// Set once by the deadline task, read by the reader: whether the close was ours.
final class TimedOutFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
