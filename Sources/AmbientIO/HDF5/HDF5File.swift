import AmbientCore
import CHDF5
import Foundation

/// An open HDF5 file. Objects opened from it (groups, datasets) keep working after the
/// `HDF5File` value is gone; the file closes when the last of them is released.
public final class HDF5File: @unchecked Sendable {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
        /// Creates the file, replacing any file at the path.
        case create
    }

    public let path: String
    let handle: HDF5Handle

    public init(path: String, mode: Mode = .readOnly) throws {
        HDF5Library.ensureInitialized()
        self.path = path
        let id: hid_t
        switch mode {
        case .readOnly, .readWrite:
            guard FileManager.default.fileExists(atPath: path) else {
                throw AmbientError(.fileNotFound, path, "no such file")
            }
            guard H5Fis_hdf5(path) > 0 else {
                _ = HDF5Library.takeErrorMessage()
                throw AmbientError(.badFormat, path, "not an HDF5 file (no HDF5 signature; truncated or another format)")
            }
            let flags = mode == .readOnly ? ambient_H5F_ACC_RDONLY() : ambient_H5F_ACC_RDWR()
            id = try h5check(H5Fopen(path, flags, ambient_H5P_DEFAULT()), .unreadable, path, "cannot open HDF5 file")
        case .create:
            id = try h5check(H5Fcreate(path, ambient_H5F_ACC_TRUNC(), ambient_H5P_DEFAULT(), ambient_H5P_DEFAULT()),
                             .unwritable, path, "cannot create HDF5 file")
        }
        handle = HDF5Handle(id, close: H5Fclose)
    }

    /// The root group "/".
    public var root: HDF5Group {
        get throws {
            let id = try h5check(H5Gopen2(handle.id, "/", ambient_H5P_DEFAULT()), .unreadable, path, "cannot open root group")
            return HDF5Group(handle: HDF5Handle(id, close: H5Gclose), filePath: path, objectPath: "/")
        }
    }

    /// True when the file exists and starts with the HDF5 signature.
    public static func isHDF5(path: String) -> Bool {
        HDF5Library.ensureInitialized()
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let result = H5Fis_hdf5(path)
        if result < 0 { _ = HDF5Library.takeErrorMessage() }
        return result > 0
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        try h5check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), .unwritable, path, "cannot flush")
    }
}

/// Something attributes can be attached to (a group or a dataset).
public protocol HDF5Object: AnyObject {
    /// "file.h5:/object/path", for error messages.
    var subject: String { get }
    var objectID: hid_t { get }
}

/// A group of an open HDF5 file.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    public let filePath: String
    public let objectPath: String
    let handle: HDF5Handle

    init(handle: HDF5Handle, filePath: String, objectPath: String) {
        self.handle = handle
        self.filePath = filePath
        self.objectPath = objectPath
    }

    public var subject: String { "\(filePath):\(objectPath)" }
    public var objectID: hid_t { handle.id }

    func childPath(_ name: String) -> String {
        objectPath.hasSuffix("/") ? objectPath + name : objectPath + "/" + name
    }

    /// The names of the links in this group, in name order.
    public func memberNames() throws -> [String] {
        var info = H5G_info_t()
        try h5check(H5Gget_info(handle.id, &info), .unreadable, subject, "cannot list group")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ambient_H5P_DEFAULT())
            guard length >= 0 else { throw AmbientError(.unreadable, subject, "cannot read member name: \(HDF5Library.takeErrorMessage())") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, ambient_H5P_DEFAULT())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// True when a link with this (possibly nested, "a/b") path exists.
    public func contains(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            let exists = H5Lexists(handle.id, prefix, ambient_H5P_DEFAULT())
            if exists < 0 { _ = HDF5Library.takeErrorMessage() }
            if exists <= 0 { return false }
        }
        return !prefix.isEmpty
    }

    public enum MemberKind: Sendable { case group, dataset, other }

    /// Whether `name` is a group or a dataset.
    public func kind(of name: String) throws -> MemberKind {
        guard contains(name) else { throw AmbientError(.badFormat, subject, "no member '\(name)'") }
        let id = try h5check(H5Oopen(handle.id, name, ambient_H5P_DEFAULT()), .unreadable, subject, "cannot open '\(name)'")
        return closeAfter(id, H5Oclose) { id in
            switch H5Iget_type(id) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    public func group(_ name: String) throws -> HDF5Group {
        guard contains(name) else { throw AmbientError(.badFormat, subject, "missing group '\(name)'") }
        let id = try h5check(H5Gopen2(handle.id, name, ambient_H5P_DEFAULT()), .unreadable, subject, "cannot open group '\(name)'")
        return HDF5Group(handle: HDF5Handle(id, close: H5Gclose), filePath: filePath, objectPath: childPath(name))
    }

    public func createGroup(_ name: String) throws -> HDF5Group {
        let id = try h5check(H5Gcreate2(handle.id, name, ambient_H5P_DEFAULT(), ambient_H5P_DEFAULT(), ambient_H5P_DEFAULT()),
                             .unwritable, subject, "cannot create group '\(name)'")
        return HDF5Group(handle: HDF5Handle(id, close: H5Gclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Opens a dataset; a missing one is a `.badFormat` error naming it.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        guard contains(name) else { throw AmbientError(.badFormat, subject, "missing dataset '\(name)'") }
        let id = try h5check(H5Dopen2(handle.id, name, ambient_H5P_DEFAULT()), .unreadable, subject, "cannot open dataset '\(name)'")
        return try HDF5Dataset(handle: HDF5Handle(id, close: H5Dclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Creates a dataset of the given on-disk type and shape (replacing none: the name must be new):
    /// contiguous, or with `compressed`, chunked by the first axis (one slice a chunk, so slice reads
    /// stay cheap) with the shuffle and deflate filters (undersampled k-space is mostly zeros).
    public func createDataset(_ name: String, type: HDF5StorageType, shape: [Int], compressed: Bool = false) throws -> HDF5Dataset {
        let fileType = try type.fileType()
        let dims = shape.map { hsize_t($0) }
        let spaceID = try h5check(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil),
                                  .unwritable, subject, "cannot create dataspace for '\(name)'")
        let chunked = compressed && shape.count >= 2 && !shape.contains(0)
        let propertiesID = try h5check(chunked ? H5Pcreate(ambient_H5P_DATASET_CREATE()) : ambient_H5P_DEFAULT(),
                                       .unwritable, subject, "cannot create dataset properties for '\(name)'")
        let id = try closeAfter(spaceID, H5Sclose) { space in
            try closeAfter(propertiesID, { chunked ? H5Pclose($0) : 0 }) { properties in
                if chunked {
                    let chunk = [hsize_t(1)] + dims.dropFirst()
                    try h5check(H5Pset_chunk(properties, Int32(chunk.count), chunk), .unwritable, subject, "cannot chunk '\(name)'")
                    try h5check(H5Pset_shuffle(properties), .unwritable, subject, "cannot set the shuffle filter on '\(name)'")
                    try h5check(H5Pset_deflate(properties, 4), .unwritable, subject, "cannot set deflate on '\(name)'")
                }
                return try h5check(H5Dcreate2(handle.id, name, fileType.id, space, ambient_H5P_DEFAULT(), properties, ambient_H5P_DEFAULT()),
                                   .unwritable, subject, "cannot create dataset '\(name)'")
            }
        }
        return try HDF5Dataset(handle: HDF5Handle(id, close: H5Dclose), filePath: filePath, objectPath: childPath(name))
    }
}

/// On-disk element types we write (little-endian, as h5py writes them on x86).
public enum HDF5StorageType: Sendable {
    case float32, float64, int64
    /// {r: float32, i: float32}, h5py's complex64.
    case complex64
    /// h5py's `bool`: an int8 enum {FALSE = 0, TRUE = 1}.
    case bool
    /// A fixed-length byte string (NumPy `S<n>`).
    case fixedString(length: Int)
    /// A variable-length UTF-8 string (h5py `str`).
    case variableString

    func fileType() throws -> HDF5Handle {
        switch self {
        case .float32: return try copy(ambient_H5T_IEEE_F32LE())
        case .float64: return try copy(ambient_H5T_IEEE_F64LE())
        case .int64: return try copy(ambient_H5T_STD_I64LE())
        case .complex64: return try HDF5Types.fileComplex64()
        case .bool: return try HDF5Types.bool()
        case let .fixedString(length): return try HDF5Types.fixedString(length: length)
        case .variableString: return try HDF5Types.variableString()
        }
    }

    private func copy(_ type: hid_t) throws -> HDF5Handle {
        HDF5Handle(try h5check(H5Tcopy(type), .backend, "HDF5", "cannot copy type"), close: H5Tclose)
    }
}

extension HDF5Types {
    static func bool() throws -> HDF5Handle {
        let id = try h5check(H5Tenum_create(ambient_H5T_NATIVE_INT8()), .backend, "HDF5", "cannot create bool type")
        let handle = HDF5Handle(id, close: H5Tclose)
        var no: Int8 = 0, yes: Int8 = 1
        try h5check(H5Tenum_insert(id, "FALSE", &no), .backend, "HDF5", "cannot build bool type")
        try h5check(H5Tenum_insert(id, "TRUE", &yes), .backend, "HDF5", "cannot build bool type")
        return handle
    }
}
