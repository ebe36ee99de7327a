import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ports on 127.0.0.1 for tests: one that is free for a server to take, and one that refuses
/// every connection for as long as the test holds it.
public enum LoopbackPort {
    /// A port that was free a moment ago (bound to port 0, read back, closed). Another test may
    /// take it before the caller binds it; use `Refusing` when the test needs the port to stay
    /// closed.
    public static func free() throws -> Int {
        let found = try bound()
        close(found.descriptor)
        return found.port
    }

    /// A port bound and never listened on: the kernel answers every connection with a reset
    /// (ECONNREFUSED), and no other listener can take the port while this value lives. A port
    /// found free and closed, or a server stopped, can be taken by a test running alongside,
    /// and a connection to it then reaches that test's server instead of being refused.
    public final class Refusing: Sendable {
        public let port: Int
        private let descriptor: Int32

        public init() throws {
            let bound = try LoopbackPort.bound()
            descriptor = bound.descriptor
            port = bound.port
        }

        deinit { close(descriptor) }
    }

    private struct Bound {
        let descriptor: Int32
        let port: Int
    }

    private static func bound() throws -> Bound {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ok else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EADDRNOTAVAIL
            close(descriptor)
            throw POSIXError(code)
        }
        return Bound(descriptor: descriptor, port: Int(UInt16(bigEndian: address.sin_port)))
    }
}
