import AmbientCore
import Foundation

/// BART's `.cfl`/`.hdr` file pair: raw little-endian complex64 data plus a text header.
///
/// BART stores arrays column-major (Fortran order) with dims `[x, y, z, coils, maps, …]`,
/// `dims[0]` fastest. Column-major with `dims[0]` fastest is the same byte order as row-major
/// with the dimension list reversed, so reading and writing never permutes data: our shape is
/// BART's dimension list reversed. BART pads its lists with trailing 1s (16 dims); those become
/// leading 1s here and are dropped on read, while interior 1s are kept:
///
/// | BART dims                     | our shape            | after `squeezingSingletons()` |
/// |-------------------------------|----------------------|-------------------------------|
/// | `[kx, ky, 1, C, 1, …, 1]`     | `[C, 1, ky, kx]`     | `[C, ky, kx]`                 |
/// | `[x, y, 1, 1, …, 1]`          | `[y, x]`             | `[y, x]`                      |
///
/// Going the other way, multi-coil k-space or maps `[C, H, W]` must become `[C, 1, H, W]`
/// (`bartCoilLayout`) so that BART sees coils on its dimension 3.
/// The path may be given with or without the `.cfl`/`.hdr` extension, as BART's tools accept it.
public enum CFL {
    /// Reads `<base>.hdr` and `<base>.cfl`. Throws an `AmbientError` naming the file when one is
    /// missing, the header is malformed, or the data size does not match the header.
    public static func read(_ path: String) throws -> ComplexArray {
        let (headerPath, dataPath) = paths(path)
        let dims = try readDimensions(headerPath)
        var shape = Array(dims.reversed().drop { $0 == 1 })
        if shape.isEmpty { shape = [1] }
        let count = shape.reduce(1, *)
        let expectedBytes = count * MemoryLayout<Complex32>.stride

        guard FileManager.default.fileExists(atPath: dataPath) else {
            throw AmbientError(.fileNotFound, dataPath, "no such file (the data file of a .cfl/.hdr pair)")
        }
        let size = try RawFile.size(dataPath)
        guard size == expectedBytes else {
            throw AmbientError(.badFormat, dataPath,
                               "holds \(size) bytes but its header \(headerPath) announces dims \(dims) = \(expectedBytes) bytes of complex64"
                                   + (size < expectedBytes ? " (truncated?)" : ""))
        }
        var array = ComplexArray(unsafeUninitializedShape: shape)  // every byte is read below
        try array.withUnsafeMutableBufferPointer { try RawFile.read(dataPath, into: UnsafeMutableRawBufferPointer($0)) }
        return array
    }

    /// Writes `array` as `<base>.cfl` + `<base>.hdr`. Each file is written to a temporary name in
    /// the same folder and renamed into place, so readers never see half a file.
    public static func write(_ array: ComplexArray, to path: String) throws {
        let (headerPath, dataPath) = paths(path)
        var dims = Array(array.shape.reversed())
        if dims.isEmpty { dims = [1] }
        while dims.count < 16 { dims.append(1) }  // BART's own headers list 16 dims
        let header = "# Dimensions\n" + dims.map(String.init).joined(separator: " ") + " \n# Creator\nAmbientMRI\n"
        try AtomicWrite.write(to: dataPath) { temporary in
            try array.withUnsafeBufferPointer { try RawFile.write(UnsafeRawBufferPointer($0), to: temporary) }
        }
        try AtomicWrite.write(Array(header.utf8), to: headerPath)
    }

    /// Writes a real array (a mask, weights) as complex data with zero imaginary part,
    /// the form BART's tools expect (`-p` pattern files).
    public static func write(_ array: RealArray, to path: String) throws {
        try write(array.complex, to: path)
    }

    /// `[C, H, W]` → `[C, 1, H, W]`: the layout BART expects for multi-coil k-space and maps
    /// (dims `[W, H, 1, C]`, coils on dimension 3).
    public static func bartCoilLayout(_ array: ComplexArray) throws -> ComplexArray {
        guard array.rank == 3 else {
            throw AmbientError(.badShape, "cfl", "expected multi-coil data [coils, H, W], got shape \(array.shape)")
        }
        return array.reshaped([array.shape[0], 1, array.shape[1], array.shape[2]])
    }

    /// `<base>.hdr`, `<base>.cfl` for a path given with either extension or none.
    public static func paths(_ path: String) -> (header: String, data: String) {
        var base = path
        if base.hasSuffix(".cfl") || base.hasSuffix(".hdr") { base.removeLast(4) }
        return (base + ".hdr", base + ".cfl")
    }

    /// Parses the line after `# Dimensions`: positive integers separated by spaces.
    static func readDimensions(_ headerPath: String) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: headerPath) else {
            throw AmbientError(.fileNotFound, headerPath, "no such file (the header of a .cfl/.hdr pair)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: headerPath, encoding: .utf8)
        } catch {
            throw AmbientError(.badFormat, headerPath, "header is not UTF-8 text")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let marker = lines.firstIndex(of: "# Dimensions"), marker + 1 < lines.count else {
            throw AmbientError(.badFormat, headerPath, "no '# Dimensions' line: not a BART header")
        }
        let fields = lines[marker + 1].split(whereSeparator: { $0 == " " || $0 == "\t" })
        let dims = fields.compactMap { Int($0) }
        guard !dims.isEmpty, dims.count == fields.count, dims.allSatisfy({ $0 >= 1 }) else {
            throw AmbientError(.badFormat, headerPath, "dimension line '\(lines[marker + 1])' is not a list of positive integers")
        }
        let (count, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= Int.max / MemoryLayout<Complex32>.stride else {
            throw AmbientError(.badFormat, headerPath, "dimensions \(dims) are too large")
        }
        return dims
    }
}

extension NDArray {
    /// The same elements with every axis of size 1 removed (a single element keeps shape [1]).
    public func squeezingSingletons() -> NDArray {
        let kept = shape.filter { $0 != 1 }
        return reshaped(kept.isEmpty ? [1] : kept)
    }
}
