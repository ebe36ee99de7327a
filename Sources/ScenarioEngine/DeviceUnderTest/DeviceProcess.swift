#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// How an external device program ended.
public enum DeviceProcessEnd: Sendable, Hashable, Codable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// A signal ended it (one it did not get from the harness).
    case signalled(Int32)
    /// It ran past its wall-time limit; the harness ended its process group.
    case timedOut(seconds: Double)
    /// The case ended it: its device had reached an outcome, or the run was interrupted.
    case stopped
    /// It could not be started at all.
    case notStarted(String)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signalled(let signal): "ended by signal \(signal)"
        case .timedOut(let seconds): String(format: "still running after %.0f s: its process group was ended", seconds)
        case .stopped: "stopped by the harness at the end of the case"
        case .notStarted(let reason): "could not be started: \(reason)"
        }
    }
}

/// The last part of what a program wrote to one stream, and how much it wrote in all.
public struct OutputTail: Sendable, Hashable, Codable {
    /// Bytes kept of each stream: the end of the output, which holds a program's final report.
    public static let limit = 64 * 1024

    public var bytes: [UInt8]
    public var total: Int

    public init(bytes: [UInt8] = [], total: Int = 0) {
        self.bytes = bytes
        self.total = total
    }

    public var truncated: Bool { total > bytes.count }

    /// The kept bytes as text (invalid UTF-8 replaced).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Runs one external device program: `/bin/sh -c COMMAND` in a process group of its own, with
/// the given environment, its output read into bounded tails, ended (the whole group) at its
/// wall-time limit or when the case stops it. Nothing it starts in its group outlives the case.
public struct DeviceProcess: Sendable {
    public var command: String
    /// Variables added to the harness's own environment.
    public var environment: [String: String]
    public var timeLimit: Duration
    /// How long the group has to exit after SIGTERM before SIGKILL.
    public var terminationGrace: Duration = .seconds(2)

    public init(command: String, environment: [String: String], timeLimit: Duration) {
        self.command = command
        self.environment = environment
        self.timeLimit = timeLimit
    }

    public struct Result: Sendable {
        public var end: DeviceProcessEnd
        public var stdout: OutputTail
        public var stderr: OutputTail
        public var wallSeconds: Double
    }

    /// Starts the program and waits for it to exit, for its limit, or for `stop` to be set (then
    /// the group is ended and the result says `.stopped`). Cancelling the task ends it too.
    public func run(stop: DeviceStop = DeviceStop()) async -> Result {
        let started = ContinuousClock.now
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            return Result(end: .notStarted("cannot make a pipe: \(String(cString: strerror(errno)))"), stdout: OutputTail(), stderr: OutputTail(), wallSeconds: 0)
        }
        for descriptor in [stdoutPipe[0], stderrPipe[0]] { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let spawned = spawn(stdout: stdoutPipe[1], stderr: stderrPipe[1])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        let outReader = TailReader(descriptor: stdoutPipe[0])
        let errReader = TailReader(descriptor: stderrPipe[0])
        let pid: pid_t
        switch spawned {
        case .failure(let reason):
            await outReader.finish(within: .zero)
            await errReader.finish(within: .zero)
            return Result(end: .notStarted(reason), stdout: outReader.tail, stderr: errReader.tail, wallSeconds: (ContinuousClock.now - started).seconds)
        case .success(let child):
            pid = child
        }
        var end: DeviceProcessEnd?
        var status: Int32 = 0
        while end == nil {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                end = Self.end(fromWaitStatus: status)
                break
            }
            if reaped < 0, errno != EINTR {
                end = .exited(-1)
                break
            }
            let elapsed = ContinuousClock.now - started
            if elapsed >= timeLimit {
                await endGroup(pid, alreadyReaped: false)
                end = .timedOut(seconds: elapsed.seconds)
                break
            }
            if stop.isSet || Task.isCancelled {
                await endGroup(pid, alreadyReaped: false)
                end = .stopped
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // Whatever the program left running in its group ends with the case.
        await endGroup(pid, alreadyReaped: true)
        // A descendant that left the group may hold the pipes open: read at most a moment more.
        await outReader.finish(within: .seconds(1))
        await errReader.finish(within: .seconds(1))
        return Result(end: end ?? .stopped, stdout: outReader.tail, stderr: errReader.tail, wallSeconds: (ContinuousClock.now - started).seconds)
    }

    static func end(fromWaitStatus status: Int32) -> DeviceProcessEnd {
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(signal)
    }

    /// SIGTERM to the group, SIGKILL after the grace period if any member is left; reaps the
    /// leader when it has not been reaped yet.
    private func endGroup(_ pid: pid_t, alreadyReaped: Bool) async {
        var reaped = alreadyReaped
        func leaderGone() -> Bool {
            if reaped { return true }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            return reaped
        }
        guard kill(-pid, 0) == 0 || !leaderGone() else { return }
        _ = kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + terminationGrace
        while ContinuousClock.now < deadline {
            if leaderGone(), kill(-pid, 0) != 0 { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        _ = kill(-pid, SIGKILL)
        if !reaped {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
    }

    private enum Spawned {
        case success(pid_t)
        case failure(String)
    }

    private func spawn(stdout: Int32, stderr: Int32) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Its own process group (pgid = its pid), default signal handling (the harness catches
        // SIGINT and SIGTERM; the device must not inherit that).
        let flags = Int32(POSIX_SPAWN_SETPGROUP) | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        // The case's DPS_* values only: one left in the harness's own environment must not stand
        // in for a value the case does not have.
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DPS_") }
        for (name, value) in environment { merged[name] = value }
        let environmentLines = merged.map { "\($0.key)=\($0.value)" }.sorted()
        let arguments = ["/bin/sh", "-c", command]
        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else { return .failure("posix_spawn /bin/sh: \(String(cString: strerror(result)))") }
        return .success(pid)
    }
}

/// Set once to ask a running device program to stop.
public final class DeviceStop: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func set() { flag.store(true, ordering: .releasing) }
    public var isSet: Bool { flag.load(ordering: .acquiring) }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    var array: [UnsafeMutablePointer<CChar>?] = pointers + [nil]
    return array.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

/// Reads one pipe on a thread of its own into a bounded tail, so a program that floods its
/// output never blocks on a full pipe and never grows the harness's memory.
private final class TailReader: @unchecked Sendable {
    private let descriptor: Int32
    private let state = Mutex<(tail: [UInt8], total: Int, done: Bool, stop: Bool)>(([], 0, false, false))

    init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [self] in self.loop() }
        thread.name = "dpsconform device output"
        thread.start()
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            if state.withLock({ $0.stop }) { break }
            let ready = poll(&poller, 1, 100)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            state.withLock { state in
                state.total += count
                state.tail.append(contentsOf: buffer[0..<count])
                if state.tail.count > OutputTail.limit * 2 { state.tail.removeFirst(state.tail.count - OutputTail.limit) }
            }
        }
        close(descriptor)
        state.withLock { $0.done = true }
    }

    /// Waits up to `limit` for the end of the output, then stops reading (the reader notices
    /// within one 100 ms poll).
    func finish(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !state.withLock({ $0.done }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        state.withLock { $0.stop = true }
        while !state.withLock({ $0.done }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    var tail: OutputTail {
        state.withLock { state in
            OutputTail(bytes: Array(state.tail.suffix(OutputTail.limit)), total: state.total)
        }
    }
}
