import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a file so that readers see either the old file or the complete new one: the bytes go
/// to a temporary file in the same directory, are flushed to disk, and the temporary file is then
/// renamed over the target (rename(2) is atomic within one file system).
enum AtomicFile {
    static func store(_ data: Data, at url: URL) throws(ReportingError) {
        let target = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw failure("cannot create temporary file \(temporary)", target: target)
        }
        var closed = false
        defer {
            if !closed { _ = close(descriptor) }
        }
        do throws(ReportingError) {
            try storeAll(data, to: descriptor, target: target)
            guard fsync(descriptor) == 0 else { throw failure("cannot flush to disk", target: target) }
            closed = true
            guard close(descriptor) == 0 else { throw failure("cannot close temporary file", target: target) }
            guard rename(temporary, target) == 0 else {
                throw failure("cannot move temporary file into place", target: target)
            }
        } catch {
            _ = unlink(temporary)
            throw error
        }
    }

    private static func storeAll(_ data: Data, to descriptor: Int32, target: String) throws(ReportingError) {
        var failed: ReportingError?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var next = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = write(descriptor, next, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = failure("cannot write", target: target)
                    return
                }
                remaining -= written
                next += written
            }
        }
        if let failed { throw failed }
    }

    /// The error for the last failed system call, naming the report file.
    private static func failure(_ what: String, target: String) -> ReportingError {
        let cause = String(cString: strerror(errno))
        return ReportingError(.fileNotWritten, "\(what) for report \(target): \(cause)", path: target)
    }

    /// Flushes a directory's entries (renames into it) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}
