import AmbientCore
import AmbientIO
import Foundation

/// Reads and writes whole arrays by file extension, for the array-in/array-out commands:
/// BART `.cfl` (with or without extension, as BART's tools accept it) and NumPy `.npy`.
///
/// BART's tools want coils on BART dimension 3: a `.cfl` of rank ≥ 3 ([C, H, W]) is written as
/// [C, 1, H, W] (BART [W, H, 1, C]); on reading, singleton axes are dropped except the last two,
/// so `bart phantom -k -s 8` comes in as [8, H, W].
public enum ArrayFiles {
    public static func readComplex(_ path: String) throws -> ComplexArray {
        switch try format(of: path, forReading: true) {
        case .cfl: return fromBART(try CFL.read(path))
        case .npy: return try NPY.read(path).complexArray
        }
    }

    /// A real array (masks, images): `.npy` float32/64, or the real part of a `.cfl`
    /// (BART writes patterns as complex); a `.cfl` with a non-zero imaginary part is refused.
    public static func readReal(_ path: String) throws -> RealArray {
        switch try format(of: path, forReading: true) {
        case .npy:
            switch try NPY.read(path) {
            case let .real(a): return a
            case let .complex(c): return try realPart(c, path)
            }
        case .cfl:
            return try realPart(fromBART(try CFL.read(path)), path)
        }
    }

    private static func realPart(_ c: ComplexArray, _ path: String) throws -> RealArray {
        if c.imaginaryPart.withUnsafeBufferPointer({ $0.contains { $0 != 0 } }) {
            throw AmbientError(.badValue, path, "expected a real array (mask or magnitude) but it has a non-zero imaginary part")
        }
        return c.realPart
    }

    public static func write(_ array: ComplexArray, to path: String) throws {
        switch try format(of: path, forReading: false) {
        case .cfl: try CFL.write(toBART(array), to: path)
        case .npy: try NPY.write(array, to: path)
        }
    }

    public static func write(_ array: RealArray, to path: String) throws {
        switch try format(of: path, forReading: false) {
        case .cfl: try CFL.write(toBART(array), to: path)
        case .npy: try NPY.write(array, to: path)
        }
    }

    public static func fromBART<E>(_ a: NDArray<E>) -> NDArray<E> {
        guard a.rank > 2 else { return a }
        let lead = a.shape.dropLast(2).filter { $0 != 1 }
        return a.reshaped(Array(lead) + a.shape.suffix(2))
    }

    public static func toBART<E>(_ a: NDArray<E>) -> NDArray<E> {
        guard a.rank >= 3 else { return a }
        return a.reshaped(Array(a.shape.dropLast(2)) + [1] + Array(a.shape.suffix(2)))
    }

    public enum Format { case cfl, npy }

    public static func format(of path: String, forReading: Bool) throws -> Format {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "npy": 
            if forReading && !FileManager.default.fileExists(atPath: path) {
                throw AmbientError(.fileNotFound, path, "no such file")
            }
            return .npy
        case "cfl", "hdr", "":
            if forReading && !FileManager.default.fileExists(atPath: CFL.paths(path).header) {
                throw AmbientError(.fileNotFound, path, "no such file (looked for \(CFL.paths(path).header))")
            }
            return .cfl
        default:
            throw AmbientError(.unsupported, path, "unknown array format '.\(ext)' (use .cfl or .npy; scans: .h5, see `ambient info`)")
        }
    }
}
