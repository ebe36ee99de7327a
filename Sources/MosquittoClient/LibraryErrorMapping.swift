import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension MosquittoError {
    /// Maps a libmosquitto return code to the module's error.
    ///
    /// - Parameters:
    ///   - rc: the `MOSQ_ERR_*` value.
    ///   - systemError: `errno` captured right after the failing call (libmosquitto reports socket
    ///     errors and, for MOSQ_ERR_EAI, the getaddrinfo code there).
    ///   - context: the call or event that failed, e.g. "mosquitto_connect to host:port".
    ///   - libraryLog: error lines libmosquitto logged meanwhile (OpenSSL's reasons live only there).
    ///   - awaited: the reply the failure cut short, if any.
    static func library(
        _ rc: Int32,
        systemError: Int32,
        context: String,
        libraryLog: [String] = [],
        awaited: MosquittoAwaited? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) -> MosquittoError {
        let code = Self.code(forLibraryCode: rc, libraryLog: libraryLog)
        var text: String
        switch rc {
        case Int32(MOSQ_ERR_ERRNO.rawValue):
            text = "\(context): \(String(cString: strerror(systemError))) (errno \(systemError))"
        case Int32(MOSQ_ERR_EAI.rawValue):
            text = "\(context): name lookup failed: \(String(cString: gai_strerror(systemError)))"
        default:
            text = "\(context): \(String(cString: mosquitto_strerror(rc)))"
        }
        if !libraryLog.isEmpty {
            text += " | " + libraryLog.joined(separator: " | ")
        }
        return MosquittoError(code, text, libraryCode: rc, awaited: awaited, fileID: fileID, line: line)
    }

    private static func code(forLibraryCode rc: Int32, libraryLog: [String]) -> Code {
        // A fatal OpenSSL error surfaces as MOSQ_ERR_TLS during the handshake but as
        // MOSQ_ERR_ERRNO (EPROTO) once reading; the log tells the two apart.
        if libraryLog.contains(where: LibraryLog.isTLSFailure) { return .tls }
        switch rc {
        case Int32(MOSQ_ERR_TLS.rawValue), Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue), Int32(MOSQ_ERR_OCSP.rawValue):
            return .tls
        case Int32(MOSQ_ERR_ERRNO.rawValue):
            return .network
        case Int32(MOSQ_ERR_EAI.rawValue), Int32(MOSQ_ERR_LOOKUP.rawValue):
            return .nameResolution
        case Int32(MOSQ_ERR_CONN_LOST.rawValue), Int32(MOSQ_ERR_KEEPALIVE.rawValue):
            return .connectionLost
        case Int32(MOSQ_ERR_NO_CONN.rawValue):
            return .notConnected
        case Int32(MOSQ_ERR_CONN_REFUSED.rawValue):
            return .connectionRefused
        case Int32(MOSQ_ERR_PROTOCOL.rawValue), Int32(MOSQ_ERR_MALFORMED_PACKET.rawValue):
            return .protocolViolation
        case Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue), Int32(MOSQ_ERR_OVERSIZE_PACKET.rawValue):
            return .payloadTooLarge
        case Int32(MOSQ_ERR_INVAL.rawValue), Int32(MOSQ_ERR_MALFORMED_UTF8.rawValue):
            return .invalidArgument
        default:
            return .library
        }
    }
}

/// Reading libmosquitto's log lines.
enum LibraryLog {
    /// libmosquitto 2.0 logs every fatal OpenSSL failure as "OpenSSL Error[n]: ..." (lib/net_mosq.c,
    /// net__print_ssl_error) and a host name mismatch as "Error: host name verification failed.".
    static func isTLSFailure(_ line: String) -> Bool {
        line.hasPrefix("OpenSSL Error") || line.hasPrefix("Error: host name verification failed")
    }

    /// Lines kept per session; older ones are dropped.
    static let retainedLines = 8
}
