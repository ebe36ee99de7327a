import DPSCore
import Foundation
import NIOCore
import NIOSSL

extension CloseCause {
    /// The cause of a close that surfaced as a transport error. A device that closes its TCP
    /// connection without TLS close_notify (a process that exits, a board that resets) or resets
    /// it closed the connection itself: that is `peerClosed`, not an error of the service.
    static func transport(_ error: any Error) -> CloseCause {
        if let tls = error as? NIOSSLError, case .uncleanShutdown = tls { return .peerClosed }
        if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE { return .peerClosed }
        return .error(error is NIOSSLError ? "TLS: \(error)" : "\(error)")
    }
}
