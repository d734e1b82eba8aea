import AmbientCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that readers never see a half-written one: write a temporary file in the
/// same directory, then rename it over the destination (rename is atomic within a file system).
public enum AtomicWrite {
    /// A fresh temporary path next to `path` (same directory, hidden, unique per process and call).
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let token = UInt32.random(in: 0...UInt32.max)
        return "\(directory)/.\(url.lastPathComponent).tmp-\(getpid())-\(String(token, radix: 16))"
    }

    /// Moves a finished temporary file onto `path`, replacing what was there.
    public static func commit(temporary: String, to path: String) throws {
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AmbientError(.unwritable, path, "cannot move the finished file into place: \(reason)")
        }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        try checkDirectory(of: path)
        let temporary = temporaryPath(for: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        } catch {
            unlink(temporary)
            throw AmbientError(.unwritable, path, "cannot write: \(error.localizedDescription)")
        }
        try commit(temporary: temporary, to: path)
    }

    /// Runs `body` with a temporary path, then commits it to `path`; removes it if `body` throws.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        try checkDirectory(of: path)
        let temporary = temporaryPath(for: path)
        do {
            try body(temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        try commit(temporary: temporary, to: path)
    }

    static func checkDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AmbientError(.unwritable, path, "directory \(directory) does not exist")
        }
    }
}
