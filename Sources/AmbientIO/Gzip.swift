import AmbientCore
import CZlib

/// Reading gzip-compressed (or plain) files whole, for .nii.gz and IDX .gz.
enum Gzip {
    /// Reads a whole file through zlib (which passes uncompressed files through unchanged).
    static func readAll(_ path: String, limit: Int?) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw AmbientError(.unreadable, path, "cannot open") }
        defer { gzclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while limit.map({ result.count < $0 }) ?? true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown"
                throw AmbientError(.badFormat, path, "corrupt gzip data: \(message)")
            }
            if n == 0 { break }
            result += chunk[0..<Int(n)]
        }
        return result
    }
}
