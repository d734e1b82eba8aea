import AmbientCore
import CZlib
import Foundation

/// NIfTI-1 single-file volumes (`.nii`, and `.nii.gz` through zlib).
///
/// NIfTI stores [x, y, z, t] in Fortran order (x fastest); that is row-major [t, z, y, x], so the
/// reader only reverses the dimension list: a volume becomes [z, y, x] (slices first, conventions.md).
/// uint8/int8/int16/uint16/int32/uint32/float32/float64 become float32 with scl_slope/scl_inter
/// applied; complex64 stays complex.
public enum NIfTI {
    public struct Header: Sendable, Equatable {
        /// Our shape (reversed NIfTI dims): [z, y, x] for a volume.
        public var shape: [Int]
        public var datatype: Int
        public var datatypeName: String
        /// Voxel size in mm along [x, y, z] (NIfTI's order).
        public var voxelSize: [Float]
        public var slope: Float
        public var intercept: Float
    }

    public static func read(_ path: String) throws -> LoadedArray {
        try read(path, headerOnly: false).array!
    }

    public static func readHeader(_ path: String) throws -> Header {
        try read(path, headerOnly: true).header
    }

    /// Writes a float32 volume (our [z, y, x] → NIfTI [x, y, z]); `.gz` paths are gzip-compressed.
    public static func write(_ array: RealArray, to path: String, voxelSize: [Float] = [1, 1, 1]) throws {
        guard (1...7).contains(array.rank) else { throw AmbientError(.badShape, path, "NIfTI needs rank 1–7, got \(array.shape)") }
        var header = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ v: T, _ offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { header[offset + i] = b } }
        }
        func putFloat(_ v: Float, _ offset: Int) { put(v.bitPattern, offset) }
        put(Int32(348), 0)
        let dims = Array(array.shape.reversed())
        put(Int16(dims.count), 40)
        for i in 0..<7 { put(Int16(i < dims.count ? dims[i] : 1), 42 + 2 * i) }
        put(Int16(16), 70)                  // DT_FLOAT32
        put(Int16(32), 72)                  // bitpix
        putFloat(1, 76)                     // qfac
        for i in 0..<7 { putFloat(i < voxelSize.count ? voxelSize[i] : 1, 80 + 4 * i) }
        putFloat(352, 108)                  // vox_offset
        putFloat(1, 112)                    // scl_slope
        header[123] = 10                    // xyzt_units: mm, s
        for (i, b) in "n+1".utf8.enumerated() { header[344 + i] = b }
        var bytes = header
        array.withUnsafeBufferPointer { bytes += UnsafeRawBufferPointer($0) }
        if path.hasSuffix(".gz") {
            try AtomicWrite.write(to: path) { temporary in
                guard let file = gzopen(temporary, "wb6") else { throw AmbientError(.unwritable, path, "cannot open for gzip writing") }
                let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
                let closed = gzclose(file)
                guard written == bytes.count, closed == Z_OK else { throw AmbientError(.unwritable, path, "gzip write failed") }
            }
        } else {
            try AtomicWrite.write(bytes, to: path)
        }
    }

    static let datatypes: [Int: (name: String, bytes: Int)] = [
        2: ("uint8", 1), 4: ("int16", 2), 8: ("int32", 4), 16: ("float32", 4), 32: ("complex64", 8),
        64: ("float64", 8), 256: ("int8", 1), 512: ("uint16", 2), 768: ("uint32", 4),
    ]

    private static func read(_ path: String, headerOnly: Bool) throws -> (header: Header, array: LoadedArray?) {
        guard FileManager.default.fileExists(atPath: path) else { throw AmbientError(.fileNotFound, path, "no such file") }
        let bytes = try Gzip.readAll(path, limit: headerOnly ? 352 : nil)
        guard bytes.count >= 348 else { throw AmbientError(.badFormat, path, "not a NIfTI file: \(bytes.count) bytes, header needs 348") }
        let raw = bytes.withUnsafeBytes { Array($0) }
        let littleSize = raw.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: Int32.self)) }
        let bigEndian: Bool
        switch littleSize {
        case 348: bigEndian = false
        case Int32(348).byteSwapped: bigEndian = true
        case 540, Int32(540).byteSwapped: throw AmbientError(.unsupported, path, "NIfTI-2 files are not supported")
        default: throw AmbientError(.badFormat, path, "not a NIfTI-1 file (sizeof_hdr = \(littleSize), expected 348)")
        }
        func int16(_ offset: Int) -> Int {
            let v = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int16.self) }
            return Int(bigEndian ? Int16(bigEndian: v) : Int16(littleEndian: v))
        }
        func float(_ offset: Int) -> Float {
            let v = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
            return Float(bitPattern: bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v))
        }
        let magic = String(decoding: raw[344..<347], as: UTF8.self)
        guard magic == "n+1" else {
            throw AmbientError(magic == "ni1" ? .unsupported : .badFormat, path,
                               magic == "ni1" ? "two-file NIfTI (.hdr/.img) is not supported" : "bad NIfTI magic '\(magic)'")
        }
        let rank = int16(40)
        guard (1...7).contains(rank) else { throw AmbientError(.badFormat, path, "bad NIfTI dim[0] = \(rank)") }
        let dims = (1...rank).map { int16(40 + 2 * $0) }
        guard dims.allSatisfy({ $0 > 0 }) else { throw AmbientError(.badFormat, path, "bad NIfTI dims \(dims)") }
        let code = int16(70)
        guard let type = datatypes[code] else { throw AmbientError(.unsupported, path, "NIfTI datatype \(code) not supported") }
        var slope = float(112), intercept = float(116)
        if slope == 0 || !slope.isFinite { slope = 1; intercept = 0 }   // the standard's "no scaling"
        if !intercept.isFinite { intercept = 0 }
        let header = Header(shape: dims.reversed(), datatype: code, datatypeName: type.name,
                            voxelSize: (1...3).map { $0 <= rank ? float(76 + 4 * $0) : 1 }, slope: slope, intercept: intercept)
        if headerOnly { return (header, nil) }

        let offset = Int(float(108))
        let count = dims.reduce(1, *)
        guard offset >= 348, bytes.count >= offset + count * type.bytes else {
            throw AmbientError(.badFormat, path, "truncated NIfTI data: \(header.shape) × \(type.name) needs \(offset + count * type.bytes) bytes, file has \(bytes.count)")
        }
        let scalars = count * (code == 32 ? 2 : 1)
        let values: [Float] = raw.withUnsafeBytes { p in
            (0..<scalars).map { i in
                func load<T: FixedWidthInteger>(_: T.Type, _ size: Int) -> T {
                    let v = p.loadUnaligned(fromByteOffset: offset + i * size, as: T.self)
                    return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
                }
                switch code {
                case 2: return Float(p[offset + i])
                case 256: return Float(Int8(bitPattern: p[offset + i]))
                case 4: return Float(load(Int16.self, 2))
                case 512: return Float(load(UInt16.self, 2))
                case 8: return Float(load(Int32.self, 4))
                case 768: return Float(load(UInt32.self, 4))
                case 64: return Float(Double(bitPattern: load(UInt64.self, 8)))
                default: return Float(bitPattern: load(UInt32.self, 4))   // float32 and complex64 parts
                }
            }
        }
        if code == 32 {
            return (header, .complex(ComplexArray(shape: header.shape) { Complex32(values[2 * $0], values[2 * $0 + 1]) * slope }))
        }
        return (header, .real(RealArray(shape: header.shape) { values[$0] * slope + intercept }))
    }
}
