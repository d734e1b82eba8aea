import AmbientCore
import Foundation

/// The IDX format of MNIST and Fashion-MNIST (`*-images-idx3-ubyte[.gz]`): a big-endian header
/// (magic 0x0000 08 NN: unsigned bytes, NN dimensions), NN big-endian UInt32 sizes, then the
/// data row-major. Images come back as [count, rows, cols] Floats in 0…1.
public enum IDX {
    public static func read(_ path: String) throws -> RealArray {
        guard FileManager.default.fileExists(atPath: path) else { throw AmbientError(.fileNotFound, path, "no such file") }
        let bytes = try Gzip.readAll(path, limit: nil)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw AmbientError(.badFormat, path, "not an IDX file (bad magic number)")
        }
        guard bytes[2] == 0x08 else {
            throw AmbientError(.unsupported, path, "IDX element type 0x\(String(bytes[2], radix: 16)) (only unsigned bytes, 0x08)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1, bytes.count >= 4 + 4 * rank else { throw AmbientError(.badFormat, path, "truncated IDX header") }
        let shape = (0..<rank).map { d in
            (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) }
        }
        let offset = 4 + 4 * rank
        let count = shape.reduce(1, *)
        guard bytes.count - offset == count else {
            throw AmbientError(.badFormat, path, "IDX header announces shape \(shape) = \(count) bytes, file holds \(bytes.count - offset)")
        }
        return RealArray(shape: shape) { Float(bytes[offset + $0]) / 255 }
    }
}
