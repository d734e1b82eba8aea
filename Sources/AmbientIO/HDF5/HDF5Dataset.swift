import AmbientCore
import CHDF5

/// A dataset of an open HDF5 file: shape, element type, whole and hyperslab reads and writes.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    public let filePath: String
    public let objectPath: String
    /// Dimensions, slowest first ([] for a scalar).
    public let shape: [Int]
    public let elementType: HDF5ElementType
    let handle: HDF5Handle
    /// The pread fast path for contiguous complex64 data (nil when it does not apply).
    private lazy var rawReader: HDF5RawReader? = HDF5RawReader.make(for: handle.id, filePath: filePath)

    init(handle: HDF5Handle, filePath: String, objectPath: String) throws {
        self.handle = handle
        self.filePath = filePath
        self.objectPath = objectPath
        let subject = "\(filePath):\(objectPath)"
        let typeID = try h5check(H5Dget_type(handle.id), .unreadable, subject, "cannot read element type")
        elementType = closeAfter(typeID, H5Tclose) { HDF5ElementType(typeID: $0) }
        let spaceID = try h5check(H5Dget_space(handle.id), .unreadable, subject, "cannot read shape")
        shape = try closeAfter(spaceID, H5Sclose) { try dataspaceShape($0, subject) }
    }

    public var subject: String { "\(filePath):\(objectPath)" }
    public var objectID: hid_t { handle.id }
    public var rank: Int { shape.count }

    /// Throws `.badShape` unless the rank is one of `ranks`.
    public func requireRank(_ ranks: Int..., what: String = "dataset") throws {
        guard ranks.contains(rank) else {
            throw AmbientError(.badShape, subject, "\(what) must have rank \(ranks.map(String.init).joined(separator: " or ")), found shape \(shape)")
        }
    }

    /// Reads the whole dataset.
    public func read<Element: ArrayElement>(as _: Element.Type = Element.self) throws -> NDArray<Element> {
        try read(start: [Int](repeating: 0, count: rank), count: shape)
    }

    /// Reads the block `start ..< start + count` (a hyperslab); only that block is read from disk.
    public func read<Element: ArrayElement>(start: [Int], count: [Int], as _: Element.Type = Element.self) throws -> NDArray<Element> {
        try checkBlock(start: start, count: count)
        return try withSelection(start: start, count: count) { memorySpace, fileSpace in
            try HDF5Reading.readNumbers(type: elementType, subject: subject, shape: count) { memoryType, buffer in
                H5Dread(handle.id, memoryType, memorySpace, fileSpace, ambient_H5P_DEFAULT(), buffer)
            }
        }
    }

    /// Reads entry `index` of the first axis (e.g. one slice of a volume) without touching the rest.
    public func read<Element: ArrayElement>(index: Int, as _: Element.Type = Element.self) throws -> NDArray<Element> {
        guard rank >= 1, index >= 0, index < shape[0] else {
            throw AmbientError(.badArgument, subject, "index \(index) out of range for shape \(shape)")
        }
        let array: NDArray<Element> = try read(start: [index] + [Int](repeating: 0, count: rank - 1), count: [1] + shape.dropFirst())
        return array.reshaped(Array(shape.dropFirst()))
    }

    /// Reads entry `index` of the first axis into `buffer`, reusing its storage when the shape already
    /// fits (no allocation, no page faults: the fast path for loops over slices). Returns whether every
    /// value is finite (checked while the data is still in cache).
    @discardableResult
    public func read(index: Int, into buffer: inout ComplexArray) throws -> Bool {
        guard rank >= 1, index >= 0, index < shape[0] else {
            throw AmbientError(.badArgument, subject, "index \(index) out of range for shape \(shape)")
        }
        let inner = Array(shape.dropFirst())
        if buffer.shape != inner { buffer = ComplexArray(unsafeUninitializedShape: inner) }  // every element is read
        if let raw = rawReader {
            let bytes = inner.reduce(1, *) * MemoryLayout<Complex32>.stride
            return try buffer.withUnsafeMutableBufferPointer { p in
                try raw.readCheckingFinite(into: UnsafeMutableRawBufferPointer(p), byteOffset: index * bytes, subject: subject)
            }
        }
        guard case let .complex(_, realName, imaginaryName) = elementType else {
            buffer = try read(index: index)
            return buffer.withUnsafeBufferPointer { allFloatsFinite(UnsafeRawBufferPointer($0)) }
        }
        let memoryType = try HDF5Types.complex32(realName: realName, imaginaryName: imaginaryName, matching: handle.id)
        try withSelection(start: [index] + [Int](repeating: 0, count: rank - 1), count: [1] + inner) { memorySpace, fileSpace in
            try buffer.withUnsafeMutableBufferPointer { p in
                try h5check(H5Dread(handle.id, memoryType.id, memorySpace, fileSpace, ambient_H5P_DEFAULT(), p.baseAddress),
                            .unreadable, subject, "cannot read \(elementType) data as complex64")
            }
        }
        return buffer.withUnsafeBufferPointer { allFloatsFinite(UnsafeRawBufferPointer($0)) }
    }

    /// Reads a string dataset (scalar or one element; several elements are joined by newlines).
    public func readString() throws -> String {
        let typeID = try h5check(H5Dget_type(handle.id), .unreadable, subject, "cannot read element type")
        return try closeAfter(typeID, H5Tclose) { fileType in
            try HDF5Reading.readStrings(subject: subject, fileType: fileType, count: shape.reduce(1, *)) { memoryType, buffer in
                H5Dread(handle.id, memoryType, ambient_H5S_ALL(), ambient_H5S_ALL(), ambient_H5P_DEFAULT(), buffer)
            } reclaim: { memoryType, buffer in
                let spaceID = H5Dget_space(handle.id)
                if spaceID >= 0 { _ = H5Dvlen_reclaim(memoryType, spaceID, ambient_H5P_DEFAULT(), buffer); _ = H5Sclose(spaceID) }
            }
        }.joined(separator: "\n")
    }

    /// Writes the whole dataset (the array's shape must equal the dataset's).
    public func write<Element: ArrayElement>(_ array: NDArray<Element>) throws {
        guard array.shape == shape else {
            throw AmbientError(.badShape, subject, "cannot write an array of shape \(array.shape) to a dataset of shape \(shape)")
        }
        try write(array, start: [Int](repeating: 0, count: rank))
    }

    /// Writes `array` into the block starting at `start`; an array of rank − 1 is one entry of the first axis.
    public func write<Element: ArrayElement>(_ array: NDArray<Element>, start: [Int]) throws {
        let count = array.rank == rank - 1 ? [1] + array.shape : array.shape
        try checkBlock(start: start, count: count)
        let memoryType = try HDF5Reading.memoryType(for: Element.self, fileType: elementType, subject: subject)
        try withSelection(start: start, count: count) { memorySpace, fileSpace in
            try array.withUnsafeBufferPointer { buffer in
                try h5check(H5Dwrite(handle.id, memoryType.id, memorySpace, fileSpace, ambient_H5P_DEFAULT(), buffer.baseAddress),
                            .unwritable, subject, "cannot write \(Element.dtypeName) data")
            }
        }
    }

    /// Writes one string into a string dataset of one element.
    public func write(string: String) throws {
        try HDF5Writing.writeString(string, subject: subject, typeOf: { H5Dget_type(handle.id) }) { memoryType, buffer in
            H5Dwrite(handle.id, memoryType, ambient_H5S_ALL(), ambient_H5S_ALL(), ambient_H5P_DEFAULT(), buffer)
        }
    }

    private func checkBlock(start: [Int], count: [Int]) throws {
        guard start.count == rank, count.count == rank,
              zip(zip(start, count), shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }) else {
            throw AmbientError(.badArgument, subject, "block start \(start) count \(count) does not fit shape \(shape)")
        }
    }

    /// Runs `body` with a memory dataspace of shape `count` and the file dataspace with the
    /// hyperslab selected; both are closed afterwards.
    private func withSelection<R>(start: [Int], count: [Int], _ body: (hid_t, hid_t) throws -> R) throws -> R {
        if rank == 0 { return try body(ambient_H5S_ALL(), ambient_H5S_ALL()) }
        let fileSpace = try h5check(H5Dget_space(handle.id), .unreadable, subject, "cannot read shape")
        return try closeAfter(fileSpace, H5Sclose) { fileSpace in
            let hStart = start.map { hsize_t($0) }, hCount = count.map { hsize_t($0) }
            try h5check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, hStart, nil, hCount, nil), .badArgument, subject, "cannot select block")
            let memorySpace = try h5check(H5Screate_simple(Int32(rank), hCount, nil), .backend, subject, "cannot create memory dataspace")
            return try closeAfter(memorySpace, H5Sclose) { try body($0, fileSpace) }
        }
    }
}

func dataspaceShape(_ spaceID: hid_t, _ subject: String) throws -> [Int] {
    let rank = H5Sget_simple_extent_ndims(spaceID)
    guard rank >= 0 else { throw AmbientError(.unreadable, subject, "cannot read rank: \(HDF5Library.takeErrorMessage())") }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    if rank > 0 { _ = H5Sget_simple_extent_dims(spaceID, &dims, nil) }
    return dims.map { Int($0) }
}

/// Reading numbers and strings, shared by datasets and attributes (they differ only in the read call).
enum HDF5Reading {
    /// The in-memory type HDF5 should convert to for `Element`, given what the file stores.
    static func memoryType<Element: ArrayElement>(for _: Element.Type, fileType: HDF5ElementType, subject: String) throws -> HDF5Handle {
        if Element.self == Float.self {
            guard fileType.isRealNumber, fileType != .bool else {
                throw AmbientError(.badFormat, subject, "expected real numbers, found \(fileType)")
            }
            return HDF5Handle(try h5check(H5Tcopy(ambient_H5T_NATIVE_FLOAT()), .backend, subject, "cannot copy type"), close: H5Tclose)
        }
        if Element.self == Complex32.self {
            guard case let .complex(_, realName, imaginaryName) = fileType else {
                throw AmbientError(.badFormat, subject, "expected complex numbers, found \(fileType)")
            }
            // Naming the members as the file does makes HDF5 match them (and skip conversion for complex64).
            return try HDF5Types.complex32(realName: realName, imaginaryName: imaginaryName)
        }
        throw AmbientError(.unsupported, subject, "no HDF5 mapping for \(Element.dtypeName)")
    }

    /// Reads numbers of any real or complex file type into `NDArray<Element>` of `shape`.
    /// Real data read as complex gets a zero imaginary part; bool enums read as 0/1.
    static func readNumbers<Element: ArrayElement>(type: HDF5ElementType, subject: String, shape: [Int],
                                                   read: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws -> NDArray<Element> {
        if type == .bool {
            let bytes = try readBool(subject: subject, count: shape.reduce(1, *), read: read)
            let real = RealArray(shape: shape) { Float(bytes[$0]) }
            return try cast(real, subject: subject)
        }
        if Element.self == Complex32.self, type.isRealNumber {
            let real: RealArray = try readNumbers(type: type, subject: subject, shape: shape, read: read)
            return try cast(real.complex, subject: subject)
        }
        let memoryType = try memoryType(for: Element.self, fileType: type, subject: subject)
        return try NDArray<Element>(shape: shape, unsafeUninitializedFill: { buffer in
            try h5check(read(memoryType.id, UnsafeMutableRawPointer(buffer.baseAddress)), .unreadable, subject,
                        "cannot read \(type) data as \(Element.dtypeName)")
        })
    }

    private static func readBool(subject: String, count: Int, read: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws -> [Int8] {
        let memoryType = try HDF5Types.bool()
        var bytes = [Int8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { raw in
            try h5check(read(memoryType.id, raw.baseAddress), .unreadable, subject, "cannot read bool data")
        }
        return bytes
    }

    private static func cast<A: ArrayElement, B: ArrayElement>(_ array: NDArray<A>, subject: String) throws -> NDArray<B> {
        guard let result = array as? NDArray<B> else {
            throw AmbientError(.unsupported, subject, "cannot read \(A.dtypeName) as \(B.dtypeName)")
        }
        return result
    }

    /// Reads every string of a string dataset or attribute (variable or fixed length).
    static func readStrings(subject: String, fileType: hid_t, count spaceCount: Int,
                            read: (hid_t, UnsafeMutableRawPointer?) -> herr_t,
                            reclaim: (hid_t, UnsafeMutableRawPointer?) -> Void) throws -> [String] {
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw AmbientError(.badFormat, subject, "expected a string, found \(HDF5ElementType(typeID: fileType))")
        }
        let count = max(spaceCount, 1)
        if H5Tis_variable_str(fileType) > 0 {
            // The file's own string type (HDF5 does not convert between ASCII and UTF-8 sets).
            let memoryType = HDF5Handle(try h5check(H5Tcopy(fileType), .backend, subject, "cannot copy type"), close: H5Tclose)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            return try pointers.withUnsafeMutableBytes { raw in
                try h5check(read(memoryType.id, raw.baseAddress), .unreadable, subject, "cannot read string")
                defer { reclaim(memoryType.id, raw.baseAddress) }
                return raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self).map { $0.map { String(cString: $0) } ?? "" }
            }
        }
        let length = H5Tget_size(fileType)
        let memoryType = HDF5Handle(try h5check(H5Tcopy(fileType), .backend, subject, "cannot copy type"), close: H5Tclose)
        var bytes = [UInt8](repeating: 0, count: length * count)
        try bytes.withUnsafeMutableBytes { raw in
            try h5check(read(memoryType.id, raw.baseAddress), .unreadable, subject, "cannot read string")
        }
        return (0..<count).map { i in
            let chunk = bytes[(i * length)..<((i + 1) * length)]
            return String(decoding: chunk.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

enum HDF5Writing {
    /// Writes one string to a string dataset/attribute whose file type `typeOf` returns.
    static func writeString(_ string: String, subject: String, typeOf: () -> hid_t,
                            write: (hid_t, UnsafeRawPointer?) -> herr_t) throws {
        let fileType = try h5check(typeOf(), .unwritable, subject, "cannot read element type")
        try closeAfter(fileType, H5Tclose) { fileType in
            if H5Tis_variable_str(fileType) > 0 {
                let memoryType = HDF5Handle(try h5check(H5Tcopy(fileType), .backend, subject, "cannot copy type"), close: H5Tclose)
                try string.withCString { cString in
                    var pointer: UnsafePointer<CChar>? = cString
                    try withUnsafePointer(to: &pointer) { p in
                        try h5check(write(memoryType.id, p), .unwritable, subject, "cannot write string")
                    }
                }
            } else {
                let length = H5Tget_size(fileType)
                var bytes = Array(string.utf8.prefix(length))
                bytes += [UInt8](repeating: 0, count: length - bytes.count)
                let memoryType = HDF5Handle(try h5check(H5Tcopy(fileType), .backend, subject, "cannot copy type"), close: H5Tclose)
                try bytes.withUnsafeBytes { raw in
                    try h5check(write(memoryType.id, raw.baseAddress), .unwritable, subject, "cannot write string")
                }
            }
        }
    }
}

extension HDF5Writing {
    /// Writes 0/1 values into a bool (int8 enum) dataset of the same element count.
    static func writeBool(_ values: RealArray, to dataset: HDF5Dataset) throws {
        let memoryType = try HDF5Types.bool()
        let bytes = values.elements.map { $0 != 0 ? Int8(1) : 0 }
        try h5check(H5Dwrite(dataset.handle.id, memoryType.id, ambient_H5S_ALL(), ambient_H5S_ALL(), ambient_H5P_DEFAULT(), bytes),
                    .unwritable, dataset.subject, "cannot write bool data")
    }
}
