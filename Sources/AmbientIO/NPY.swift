import AmbientCore
import Foundation

/// NumPy `.npy` files (format versions 1–3). Reads float16/32/64, (u)int8–64, bool and
/// complex64/128 in either byte order and C or Fortran order; real data becomes float32,
/// complex data complex64. Writes float32 or complex64 in C order (version 1, or 2 for huge headers).
public enum NPY {
    public static func read(_ path: String) throws -> LoadedArray {
        guard FileManager.default.fileExists(atPath: path) else { throw AmbientError(.fileNotFound, path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw AmbientError(.unreadable, path, "cannot read file") }
        return try decode([UInt8](data), subject: path)
    }

    public static func write(_ array: RealArray, to path: String) throws {
        try AtomicWrite.write(encode(array, descr: "<f4"), to: path)
    }

    public static func write(_ array: ComplexArray, to path: String) throws {
        try AtomicWrite.write(encode(array, descr: "<c8"), to: path)
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    static func encode<E: ArrayElement>(_ array: NDArray<E>, descr: String) -> [UInt8] {
        let shapeText = array.rank == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Version 1 stores the header length in 2 bytes; larger headers need version 2 (4 bytes).
        let version: UInt8 = header.utf8.count + 11 < 65_536 ? 1 : 2
        let prefix = magic.count + 2 + (version == 1 ? 2 : 4)
        let padding = (64 - (prefix + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var bytes = magic + [version, 0]
        let length = header.utf8.count
        bytes += version == 1 ? [UInt8(length & 0xff), UInt8(length >> 8)]
                              : (0..<4).map { UInt8((length >> (8 * $0)) & 0xff) }
        bytes += Array(header.utf8)
        array.withUnsafeBufferPointer { bytes += UnsafeRawBufferPointer($0) }
        return bytes
    }

    static func decode(_ bytes: [UInt8], subject: String) throws -> LoadedArray {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw AmbientError(.badFormat, subject, "not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw AmbientError(.unsupported, subject, ".npy format version \(major) not supported")
        }
        guard bytes.count >= 8 + lengthBytes else { throw AmbientError(.badFormat, subject, "truncated .npy header") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard bytes.count >= dataStart else { throw AmbientError(.badFormat, subject, "truncated .npy header") }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        let (descr, fortranOrder, shape) = try parseHeader(header, subject: subject)
        let type = try ElementType(descr: descr, subject: subject)
        let count = shape.reduce(1, *)
        let needed = count * type.size
        guard bytes.count - dataStart >= needed else {
            throw AmbientError(.badFormat, subject, "truncated data: shape \(shape) of \(descr) needs \(needed) bytes, file has \(bytes.count - dataStart)")
        }
        let values = bytes.withUnsafeBytes { raw in type.decode(raw, from: dataStart, scalars: count * (type.isComplex ? 2 : 1)) }
        if type.isComplex {
            let complexValues = (0..<count).map { Complex32(values[2 * $0], values[2 * $0 + 1]) }
            return .complex(reorder(complexValues, shape: shape, fortranOrder: fortranOrder))
        }
        return .real(reorder(values, shape: shape, fortranOrder: fortranOrder))
    }

    private static func reorder<E: ArrayElement>(_ values: [E], shape: [Int], fortranOrder: Bool) -> NDArray<E> {
        guard fortranOrder else { return NDArray(shape: shape, elements: values) }
        return NDArray(shape: shape) { out in values.withUnsafeBufferPointer { fortranToC($0, shape: shape, into: out) } }
    }

    /// Parses NumPy's header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
    static func parseHeader(_ header: String, subject: String) throws -> (String, Bool, [Int]) {
        func value(after key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            var rest = header[range.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        guard let descrStart = value(after: "descr"), let quote = descrStart.first, quote == "'" || quote == "\"",
              let descrEnd = descrStart.dropFirst().firstIndex(of: quote) else {
            throw AmbientError(.badFormat, subject, "header has no readable 'descr' (structured dtypes are not supported): \(header.trimmingWhitespace)")
        }
        let descr = String(descrStart[descrStart.index(after: descrStart.startIndex)..<descrEnd])
        guard let orderText = value(after: "fortran_order") else { throw AmbientError(.badFormat, subject, "header has no 'fortran_order'") }
        let fortranOrder = orderText.hasPrefix("True")
        guard let shapeText = value(after: "shape"), shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw AmbientError(.badFormat, subject, "header has no 'shape'")
        }
        let parts = shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try parts.map { part -> Int in
            guard let n = Int(part.hasSuffix("L") ? String(part.dropLast()) : part), n >= 0 else {
                throw AmbientError(.badFormat, subject, "bad shape entry '\(part)'")
            }
            return n
        }
        return (descr, fortranOrder, shape)
    }

    struct ElementType {
        let kind: Character   // f, c, i, u, b
        let size: Int
        let bigEndian: Bool
        var isComplex: Bool { kind == "c" }

        init(descr: String, subject: String) throws {
            let chars = Array(descr)
            guard chars.count >= 3, "<>|=".contains(chars[0]), let size = Int(String(chars[2...])) else {
                throw AmbientError(.unsupported, subject, "dtype '\(descr)' not supported")
            }
            kind = chars[1]
            self.size = size
            bigEndian = chars[0] == ">"
            let supported: [Character: [Int]] = ["f": [2, 4, 8], "c": [8, 16], "i": [1, 2, 4, 8], "u": [1, 2, 4, 8], "b": [1]]
            guard supported[kind]?.contains(size) == true else {
                throw AmbientError(.unsupported, subject, "dtype '\(descr)' not supported (float, complex, integer or bool only)")
            }
        }

        /// Reads `scalars` numbers (real and imaginary parts count separately) as Float.
        func decode(_ raw: UnsafeRawBufferPointer, from start: Int, scalars: Int) -> [Float] {
            let scalarSize = isComplex ? size / 2 : size
            return (0..<scalars).map { i in
                let offset = start + i * scalarSize
                func load<T: FixedWidthInteger>(_: T.Type) -> T {
                    let v = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
                    return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
                }
                switch (kind, scalarSize) {
                case ("f", 2), ("c", 2): return Float(Float16(bitPattern: load(UInt16.self)))
                case ("f", 4), ("c", 4): return Float(bitPattern: load(UInt32.self))
                case ("f", 8), ("c", 8): return Float(Double(bitPattern: load(UInt64.self)))
                case ("i", 1): return Float(Int8(bitPattern: raw[offset]))
                case ("i", 2): return Float(load(Int16.self))
                case ("i", 4): return Float(load(Int32.self))
                case ("i", 8): return Float(load(Int64.self))
                case ("u", 1), ("b", 1): return Float(raw[offset])
                case ("u", 2): return Float(load(UInt16.self))
                case ("u", 4): return Float(load(UInt32.self))
                default: return Float(load(UInt64.self))
                }
            }
        }
    }
}
