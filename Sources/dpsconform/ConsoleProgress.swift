#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Reporting
import Synchronization
import Verdicts

/// What `run` writes while it runs. On a terminal (and without `NO_COLOR`, `TERM=dumb`) a live
/// status line at the bottom says how many cases are done, which are running and the elapsed
/// time, redrawn each second; case lines scroll above it. Elsewhere (a pipe, a CI log) only
/// plain lines are written, one per finished case.
final class ConsoleProgress: Sendable {
    enum Detail: Sendable {
        /// Only failing and erroring cases, and the total.
        case quiet
        /// One line per case.
        case normal
        /// One line per case, and under it each verdict that is not a plain pass.
        case verbose
    }

    private struct State {
        var done = 0
        var running: [String] = []
        var statusShown = false
        var stopped = false
    }

    private let total: Int
    private let detail: Detail
    private let live: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init(total: Int, detail: Detail, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.total = total
        self.detail = detail
        live = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        guard live else { return }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { return }
                self?.redraw()
            }
        }
        ticker.withLock { $0 = task }
    }

    /// A case began.
    func started(_ id: String) {
        guard live else { return }
        state.withLock { $0.running.append(id) }
        redraw()
    }

    /// A case ended: its line (and details), above the status line.
    func finished(_ result: CaseResult) {
        var lines: [String] = []
        let failing = result.outcome.failsRun || result.outcome == .warn
        if detail != .quiet || failing { lines.append(ConsoleSummary.line(for: result)) }
        if detail == .verbose || (detail == .quiet && failing) { lines += ConsoleSummary.details(for: result) }
        state.withLock { state in
            state.done += 1
            if let index = state.running.firstIndex(of: result.id) { state.running.remove(at: index) }
            var text = state.statusShown ? "\r\u{1B}[2K" : ""
            state.statusShown = false
            text += lines.map { $0 + "\n" }.joined()
            if live, !state.stopped {
                text += statusLine(state)
                state.statusShown = true
            }
            write(text)
        }
    }

    /// A plain line (a message, the total): the status line is removed first.
    func line(_ text: String) {
        state.withLock { state in
            write((state.statusShown ? "\r\u{1B}[2K" : "") + text + "\n")
            state.statusShown = false
        }
    }

    /// Stops redrawing and removes the status line.
    func stop() {
        ticker.withLock { $0?.cancel() }
        state.withLock { state in
            if state.statusShown { write("\r\u{1B}[2K") }
            state.statusShown = false
            state.stopped = true
        }
    }

    private func redraw() {
        guard live else { return }
        state.withLock { state in
            guard !state.stopped else { return }
            write("\r\u{1B}[2K" + statusLine(state))
            state.statusShown = true
        }
    }

    private func statusLine(_ state: State) -> String {
        let seconds = Int((ContinuousClock.now - started).seconds)
        var line = String(format: "[%d/%d] %02d:%02d", state.done, total, seconds / 60, seconds % 60)
        if let first = state.running.first {
            line += "  running " + first + (state.running.count > 1 ? " and \(state.running.count - 1) more" : "")
        }
        // One terminal line: long case IDs are cut.
        return String(line.prefix(160))
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
