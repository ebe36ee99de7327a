import DPSCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One request written over TLS byte for byte, and the answer read until the server closes the
/// connection. HTTP client libraries refuse to send a malformed message; this is for the mutant
/// that sends one (DPS-HTTP-MSG-001), so that the service's parser is seen refusing it.
enum RawHTTPSExchange {
    /// The most response bytes read.
    static let limit = 256 * 1024

    /// Sends `bytes` and reads until the server closes, or until `timeout` has passed: then the
    /// connection is closed from this side, which ends the read (nothing waits past the deadline).
    static func send(_ bytes: [UInt8], host: String, port: Int, tls: TLSConfiguration, timeout: Duration) async throws(TransportError) -> ServiceResponse {
        let received: [UInt8]
        let start = ContinuousClock.now
        do {
            received = try await exchange(bytes, host: host, port: port, tls: tls, timeout: timeout)
        } catch {
            if ContinuousClock.now - start >= timeout { throw TransportError(.timeout, "no answer to the raw request within \(timeout)") }
            throw TransportError(.connectFailed, "raw request to \(host):\(port) failed: \(error)")
        }
        guard !received.isEmpty else { throw TransportError(.timeout, "no answer to the raw request within \(timeout)") }
        return try parse(received)
    }

    private static func exchange(_ bytes: [UInt8], host: String, port: Int, tls: TLSConfiguration, timeout: Duration) async throws -> [UInt8] {
        let context = try NIOSSLContext(configuration: tls)
        // SNI and host-name checks take a name, not an address literal.
        let serverName = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
        let deadline = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(deadline)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        // The whole exchange ends at the deadline: closing the channel ends the read below.
        let closer = channel.channel.eventLoop.scheduleTask(in: deadline) { channel.channel.close(promise: nil) }
        defer { closer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var received: [UInt8] = []
            do {
                for try await buffer in inbound {
                    received += buffer.readableBytesView
                    if received.count >= limit { break }
                }
            } catch where !received.isEmpty {
                // A server that closes without close_notify after answering: the answer stands.
            }
            return received
        }
    }

    /// `HTTP/1.1 400 Bad Request`, headers, blank line, body.
    static func parse(_ bytes: [UInt8]) throws(TransportError) -> ServiceResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw TransportError(.connectionLost, "the connection closed without a complete response head (\(bytes.count) bytes)")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = head.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw TransportError(.failed, "unreadable status line '\(head.first ?? "")'")
        }
        let retryAfter = head.dropFirst().first { $0.lowercased().hasPrefix("retry-after:") }
            .map { String($0.dropFirst("retry-after:".count)).trimmingCharacters(in: .whitespaces) }
        return ServiceResponse(status: status, retryAfter: retryAfter, body: Array(bytes[(end + separator.count)...]))
    }
}
