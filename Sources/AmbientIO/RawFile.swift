import AmbientCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file raw byte I/O straight between a file and an array's memory (no intermediate `Data`
/// copy): for large raw formats such as BART's .cfl.
enum RawFile {
    /// The size of a file in bytes.
    static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw AmbientError(.unreadable, path, String(cString: strerror(errno))) }
        return Int(info.st_size)
    }

    /// Fills `destination` from the start of the file; the file must hold at least that many bytes.
    static func read(_ path: String, into destination: UnsafeMutableRawBufferPointer) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AmbientError(.unreadable, path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var done = 0
        while done < destination.count {
            let n = pread(fd, destination.baseAddress! + done, destination.count - done, off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw AmbientError(.unreadable, path, n == 0 ? "file ends after \(done) of \(destination.count) bytes (truncated?)" : String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Creates (or truncates) `path` and writes `bytes` to it.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AmbientError(.unwritable, path, String(cString: strerror(errno))) }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw AmbientError(.unwritable, path, reason)
            }
            done += n
        }
        guard close(fd) == 0 else { throw AmbientError(.unwritable, path, String(cString: strerror(errno))) }
    }
}
