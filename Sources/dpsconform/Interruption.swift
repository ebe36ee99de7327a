import Foundation
import Synchronization

/// SIGINT and SIGTERM as events: installed, they no longer end the process; the command decides
/// (stop the run, write what finished, exit 3). Both stay caught until the process exits, so a
/// second signal cannot cut report writing short.
final class Interruption: Sendable {
    /// Kept for the life of the object; never touched after `init`.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]
    let signals: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (signals, continuation) = AsyncStream.makeStream(of: String.self)
        var installed: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let continuation = continuation
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }
}

/// The first of several events, whichever comes first; later ones are dropped.
final class FirstOf<Value: Sendable>: Sendable {
    private let state: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) { state = Mutex(continuation) }

    func resume(_ value: Value) {
        let continuation = state.withLock { current in
            defer { current = nil }
            return current
        }
        continuation?.resume(returning: value)
    }
}

/// Lines on standard output written at once (write(2)), not block-buffered as `print` is when
/// standard output is a pipe: a CI log shows each case as it ends, and nothing is lost if the
/// process is stopped.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Cases as they finish, readable from anywhere.
final class FinishedCases<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var snapshot: [Element] { items.withLock { $0 } }
}
