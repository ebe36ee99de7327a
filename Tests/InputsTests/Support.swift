import TestSupport
import Foundation

/// Writes `text` to a fresh temporary directory under `name` and returns the file's path.
func temporaryInput(_ text: String, name: String = "enrollments.yaml") throws -> String {
    try TemporaryFiles.write(text, name: name)
}

/// Runs `body` on another thread and gives up after `seconds`: a load that never ends fails the
/// test instead of hanging the suite.
func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.set(Result { try body() })
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else { throw DeadlineExceeded(seconds: seconds) }
    return try box.get()
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "did not finish within \(seconds) s" }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
    func get() throws -> T { try lock.withLock { result }!.get() }
}
