import AmbientCore
import CHDF5

/// What a dataset or attribute stores, described the way NumPy names it.
public enum HDF5ElementType: Equatable, Sendable, CustomStringConvertible {
    case integer(bits: Int, signed: Bool)
    case float(bits: Int)
    /// A compound of two equal floats, as h5py stores NumPy complex ({r, i}) and ISMRMRD ({real, imag}).
    case complex(bits: Int, realName: String, imaginaryName: String)
    case string
    /// h5py's `bool` (an int8 enum {FALSE, TRUE}).
    case bool
    case compound(members: [String])
    case other(String)

    public var description: String {
        switch self {
        case let .integer(bits, signed): return "\(signed ? "int" : "uint")\(bits)"
        case let .float(bits): return "float\(bits)"
        case let .complex(bits, _, _): return "complex\(2 * bits)"
        case .string: return "string"
        case .bool: return "bool"
        case let .compound(members): return "compound{\(members.joined(separator: ", "))}"
        case let .other(name): return name
        }
    }

    public var isRealNumber: Bool {
        switch self { case .integer, .float, .bool: return true; default: return false }
    }

    /// Inspects an HDF5 datatype id (not closed here).
    init(typeID: hid_t) {
        let size = Int(H5Tget_size(typeID))
        switch H5Tget_class(typeID) {
        case H5T_INTEGER:
            self = .integer(bits: 8 * size, signed: H5Tget_sign(typeID) == H5T_SGN_2)
        case H5T_FLOAT:
            self = .float(bits: 8 * size)
        case H5T_STRING:
            self = .string
        case H5T_COMPOUND:
            let count = max(0, Int(H5Tget_nmembers(typeID)))
            var names: [String] = []
            var allFloat = true
            var memberSizes: Set<Int> = []
            for i in 0..<count {
                if let cName = H5Tget_member_name(typeID, UInt32(i)) {
                    names.append(String(cString: cName))
                    H5free_memory(cName)
                }
                allFloat = allFloat && H5Tget_member_class(typeID, UInt32(i)) == H5T_FLOAT
                let member = H5Tget_member_type(typeID, UInt32(i))
                if member >= 0 {
                    memberSizes.insert(Int(H5Tget_size(member)))
                    H5Tclose(member)
                }
            }
            if count == 2, allFloat, memberSizes.count == 1, names.count == 2 {
                self = .complex(bits: 8 * memberSizes.first!, realName: names[0], imaginaryName: names[1])
            } else {
                self = .compound(members: names)
            }
        case H5T_VLEN: self = .other("vlen")
        case H5T_ARRAY: self = .other("array")
        case H5T_ENUM:
            self = (H5Tget_nmembers(typeID) == 2 && size == 1) ? .bool : .other("enum")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_BITFIELD: self = .other("bitfield")
        default: self = .other("unknown")
        }
    }
}

enum HDF5Types {
    /// A compound {real, imaginary} of native floats with the given member names, 8 bytes, no padding:
    /// the memory layout of `Complex32`. With the file's own names HDF5's conversion is a no-op.
    static func complex32(realName: String = "r", imaginaryName: String = "i") throws -> HDF5Handle {
        let id = try h5check(H5Tcreate(H5T_COMPOUND, MemoryLayout<Complex32>.stride), .backend, "HDF5", "cannot create complex type")
        let handle = HDF5Handle(id, close: H5Tclose)
        try h5check(H5Tinsert(id, realName, 0, ambient_H5T_NATIVE_FLOAT()), .backend, "HDF5", "cannot build complex type")
        try h5check(H5Tinsert(id, imaginaryName, MemoryLayout<Float>.stride, ambient_H5T_NATIVE_FLOAT()), .backend, "HDF5", "cannot build complex type")
        return handle
    }

    /// Like `complex32(realName:imaginaryName:)`, but when the dataset's own type already has that exact
    /// memory layout ({float at 0, float at 4}, native byte order) it is used itself, so HDF5 takes its
    /// no-conversion path and reads straight into our buffer.
    static func complex32(realName: String, imaginaryName: String, matching datasetID: hid_t) throws -> HDF5Handle {
        let fileType = H5Dget_type(datasetID)
        guard fileType >= 0 else { return try complex32(realName: realName, imaginaryName: imaginaryName) }
        let handle = HDF5Handle(fileType, close: H5Tclose)
        var sameLayout = H5Tget_size(fileType) == 8 && H5Tget_nmembers(fileType) == 2
            && H5Tget_member_offset(fileType, 0) == 0 && H5Tget_member_offset(fileType, 1) == 4
        if sameLayout {
            for i in 0..<2 {
                let member = H5Tget_member_type(fileType, UInt32(i))
                sameLayout = sameLayout && member >= 0 && H5Tequal(member, ambient_H5T_NATIVE_FLOAT()) > 0
                if member >= 0 { H5Tclose(member) }
            }
        }
        return sameLayout ? handle : try complex32(realName: realName, imaginaryName: imaginaryName)
    }

    /// The little-endian on-disk complex64 type h5py writes: {r: <f4, i: <f4}.
    static func fileComplex64() throws -> HDF5Handle {
        let id = try h5check(H5Tcreate(H5T_COMPOUND, 8), .backend, "HDF5", "cannot create complex type")
        let handle = HDF5Handle(id, close: H5Tclose)
        try h5check(H5Tinsert(id, "r", 0, ambient_H5T_IEEE_F32LE()), .backend, "HDF5", "cannot build complex type")
        try h5check(H5Tinsert(id, "i", 4, ambient_H5T_IEEE_F32LE()), .backend, "HDF5", "cannot build complex type")
        return handle
    }

    /// A variable-length UTF-8 string type (h5py's `str`).
    static func variableString() throws -> HDF5Handle {
        let id = try h5check(H5Tcopy(ambient_H5T_C_S1()), .backend, "HDF5", "cannot create string type")
        let handle = HDF5Handle(id, close: H5Tclose)
        try h5check(H5Tset_size(id, ambient_H5T_VARIABLE()), .backend, "HDF5", "cannot size string type")
        try h5check(H5Tset_cset(id, H5T_CSET_UTF8), .backend, "HDF5", "cannot set string charset")
        return handle
    }

    /// A fixed-length byte string type of `length` bytes (NumPy's `S<length>`, h5py's `bytes`).
    static func fixedString(length: Int) throws -> HDF5Handle {
        let id = try h5check(H5Tcopy(ambient_H5T_C_S1()), .backend, "HDF5", "cannot create string type")
        let handle = HDF5Handle(id, close: H5Tclose)
        try h5check(H5Tset_size(id, max(1, length)), .backend, "HDF5", "cannot size string type")
        try h5check(H5Tset_strpad(id, H5T_STR_NULLPAD), .backend, "HDF5", "cannot set string padding")
        return handle
    }
}
