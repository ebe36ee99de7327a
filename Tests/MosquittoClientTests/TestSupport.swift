import Foundation
@testable import MosquittoClient

extension TestBroker {
    /// Listener 1 with user name + password (the SAS-token style of DPS).
    func passwordConfiguration(clientID: String, password: String? = nil, caFile: String? = nil,
                               host: String = "localhost", port: UInt16? = nil,
                               verifyHostname: Bool = true) -> MosquittoConfiguration {
        MosquittoConfiguration(
            host: host, port: port ?? passwordPort, clientID: clientID,
            username: TestBroker.username, password: password ?? self.password,
            cleanSession: true, keepAliveSeconds: 30,
            tls: .init(caFile: caFile ?? certificates.rootCA, verifyHostname: verifyHostname))
    }

    /// Listener 2 with the device certificate chain (the X.509 style of DPS: user name, no password).
    func certificateConfiguration(clientID: String, withCertificate: Bool = true) -> MosquittoConfiguration {
        MosquittoConfiguration(
            host: "127.0.0.1", port: certificatePort, clientID: clientID,
            username: "scope/registrations/\(clientID)/api-version=2019-03-31", password: nil,
            cleanSession: false, keepAliveSeconds: 0,
            tls: .init(caFile: certificates.rootCA,
                       certificateFile: withCertificate ? certificates.deviceChain : nil,
                       keyFile: withCertificate ? certificates.deviceKey : nil,
                       version: .tls12))
    }
}

/// Reads `count` messages from `stream`, or fails after `limit`. Ends the stream's iteration.
func receive(_ count: Int, from stream: AsyncThrowingStream<MosquittoMessage, any Error>,
             within limit: Duration = .seconds(5)) async throws -> [MosquittoMessage] {
    try await withThrowingTaskGroup(of: [MosquittoMessage]?.self) { group in
        group.addTask {
            var received: [MosquittoMessage] = []
            for try await message in stream {
                received.append(message)
                if received.count == count { break }
            }
            return received
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let received = first else {
            throw FixtureError("fewer than \(count) messages within \(limit)")
        }
        return received
    }
}

/// How the message stream ended: `nil` if it finished normally, the error otherwise.
func ending(of stream: AsyncThrowingStream<MosquittoMessage, any Error>,
            within limit: Duration = .seconds(5)) async throws -> (any Error)? {
    try await withThrowingTaskGroup(of: Result<Void, any Error>?.self) { group in
        group.addTask {
            do {
                for try await _ in stream {}
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let outcome = first else {
            throw FixtureError("message stream still open after \(limit)")
        }
        if case .failure(let error) = outcome { return error }
        return nil
    }
}

/// Polls until `condition` holds or `limit` passes.
func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// The error's code when it is a `MosquittoError`.
func mosquittoCode(_ error: (any Error)?) -> MosquittoError.Code? {
    (error as? MosquittoError)?.code
}

/// Deterministic bytes 0, 1, ..., 250, 0, 1, ... (251 is prime, so pages do not repeat in step).
func patternedPayload(count: Int) -> [UInt8] {
    (0..<count).map { UInt8($0 % 251) }
}
