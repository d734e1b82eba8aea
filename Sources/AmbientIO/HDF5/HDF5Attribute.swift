import AmbientCore
import CHDF5

/// The value of an HDF5 attribute, as fastMRI and ISMRMRD files use them.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case ints([Int])
    case doubles([Double])

    public var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .double(v): return String(v)
        case let .string(v): return v
        case let .ints(v): return "\(v)"
        case let .doubles(v): return "\(v)"
        }
    }

    public var doubleValue: Double? {
        switch self {
        case let .int(v): return Double(v)
        case let .double(v): return v
        case let .string(v): return Double(v)
        case let .ints(v): return v.count == 1 ? Double(v[0]) : nil
        case let .doubles(v): return v.count == 1 ? v[0] : nil
        }
    }

    public var intValue: Int? {
        guard let d = doubleValue, d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    public var stringValue: String? {
        if case let .string(v) = self { return v }
        return nil
    }
}

extension HDF5Object {
    /// Names of this object's attributes, in name order.
    public func attributeNames() throws -> [String] {
        var names: [String] = []
        var position: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { context in
            H5Aiterate2(objectID, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, clientData in
                guard let name, let clientData else { return 0 }
                clientData.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, context)
        }
        try h5check(status, .unreadable, subject, "cannot list attributes")
        return names
    }

    public func hasAttribute(_ name: String) -> Bool {
        let result = H5Aexists(objectID, name)
        if result < 0 { _ = HDF5Library.takeErrorMessage() }
        return result > 0
    }

    /// Reads an attribute: integers, floats (scalars or 1-D) or strings.
    public func attribute(_ name: String) throws -> HDF5AttributeValue {
        guard hasAttribute(name) else { throw AmbientError(.badFormat, subject, "missing attribute '\(name)'") }
        let what = "\(subject) attribute '\(name)'"
        let attributeID = try h5check(H5Aopen(objectID, name, ambient_H5P_DEFAULT()), .unreadable, what, "cannot open")
        return try closeAfter(attributeID, H5Aclose) { attributeID in
            let typeID = try h5check(H5Aget_type(attributeID), .unreadable, what, "cannot read type")
            let spaceID = try h5check(H5Aget_space(attributeID), .unreadable, what, "cannot read shape")
            return try closeAfter(typeID, H5Tclose) { typeID in
                try closeAfter(spaceID, H5Sclose) { spaceID in
                    let count = Int(H5Sget_simple_extent_npoints(spaceID))
                    let isScalar = try dataspaceShape(spaceID, what).isEmpty
                    switch H5Tget_class(typeID) {
                    case H5T_STRING:
                        let strings = try HDF5Reading.readStrings(subject: what, fileType: typeID, count: count) { memoryType, buffer in
                            H5Aread(attributeID, memoryType, buffer)
                        } reclaim: { memoryType, buffer in
                            _ = H5Dvlen_reclaim(memoryType, spaceID, ambient_H5P_DEFAULT(), buffer)
                        }
                        return .string(strings.joined(separator: "\n"))
                    case H5T_INTEGER, H5T_ENUM:
                        var values = [Int64](repeating: 0, count: max(count, 1))
                        try h5check(H5Aread(attributeID, ambient_H5T_NATIVE_INT64(), &values), .unreadable, what, "cannot read integer")
                        return isScalar ? .int(Int(values[0])) : .ints(values.map { Int($0) })
                    case H5T_FLOAT:
                        var values = [Double](repeating: 0, count: max(count, 1))
                        try h5check(H5Aread(attributeID, ambient_H5T_NATIVE_DOUBLE(), &values), .unreadable, what, "cannot read float")
                        return isScalar ? .double(values[0]) : .doubles(values)
                    default:
                        throw AmbientError(.unsupported, what, "attribute of type \(HDF5ElementType(typeID: typeID)) not supported")
                    }
                }
            }
        }
    }

    /// Writes (or replaces) an attribute. Strings are variable-length UTF-8, as h5py writes `str`.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        let what = "\(subject) attribute '\(name)'"
        if hasAttribute(name) { try h5check(H5Adelete(objectID, name), .unwritable, what, "cannot replace") }
        let storage: HDF5StorageType
        let shape: [Int]
        switch value {
        case .int: (storage, shape) = (.int64, [])
        case .double: (storage, shape) = (.float64, [])
        case .string: (storage, shape) = (.variableString, [])
        case let .ints(v): (storage, shape) = (.int64, [v.count])
        case let .doubles(v): (storage, shape) = (.float64, [v.count])
        }
        let fileType = try storage.fileType()
        let spaceID = try h5check(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, [hsize_t(shape[0])], nil),
                                  .unwritable, what, "cannot create dataspace")
        try closeAfter(spaceID, H5Sclose) { spaceID in
            let attributeID = try h5check(H5Acreate2(objectID, name, fileType.id, spaceID, ambient_H5P_DEFAULT(), ambient_H5P_DEFAULT()),
                                          .unwritable, what, "cannot create")
            try closeAfter(attributeID, H5Aclose) { attributeID in
                switch value {
                case let .int(v): var x = Int64(v); try h5check(H5Awrite(attributeID, ambient_H5T_NATIVE_INT64(), &x), .unwritable, what, "cannot write")
                case let .double(v): var x = v; try h5check(H5Awrite(attributeID, ambient_H5T_NATIVE_DOUBLE(), &x), .unwritable, what, "cannot write")
                case let .ints(v): let x = v.map { Int64($0) }; try h5check(H5Awrite(attributeID, ambient_H5T_NATIVE_INT64(), x), .unwritable, what, "cannot write")
                case let .doubles(v): try h5check(H5Awrite(attributeID, ambient_H5T_NATIVE_DOUBLE(), v), .unwritable, what, "cannot write")
                case let .string(v):
                    try HDF5Writing.writeString(v, subject: what, typeOf: { H5Aget_type(attributeID) }) { memoryType, buffer in
                        H5Awrite(attributeID, memoryType, buffer)
                    }
                }
            }
        }
    }
}
