import AmbientCore
import Foundation

/// What a fastMRI file holds, read from its metadata without loading k-space.
public struct FastMRIInfo: Sendable {
    public let path: String
    /// `kspace` as stored: [slices, coils, H, W] (multi-coil) or [slices, H, W] (single-coil).
    public let kspaceShape: [Int]
    public var isMultiCoil: Bool { kspaceShape.count == 4 }
    public var sliceCount: Int { kspaceShape[0] }
    /// Coils (1 for single-coil files).
    public var coilCount: Int { isMultiCoil ? kspaceShape[1] : 1 }
    /// The k-space plane [H, W] (H = readout, W = phase encoding).
    public var planeShape: [Int] { Array(kspaceShape.suffix(2)) }
    /// "reconstruction_rss" (multi-coil) or "reconstruction_esc" (single-coil), when present.
    public let targetName: String?
    public let targetShape: [Int]?
    /// The 1-D column mask of test/challenge files (length W), when present.
    public let mask: RealArray?
    public let headerXML: String?
    public let header: MRDHeader?
    /// All root attributes (acquisition, max, norm, patient_id, acceleration, num_low_frequency …).
    public let attributes: [String: HDF5AttributeValue]

    public var acquisition: String? { attributes["acquisition"]?.stringValue }
    public var maxValue: Double? { attributes["max"]?.doubleValue }
    public var norm: Double? { attributes["norm"]?.doubleValue }
    public var patientID: String? { attributes["patient_id"]?.stringValue }
    public var acceleration: Int? { attributes["acceleration"]?.intValue }
    public var numLowFrequency: Int? { attributes["num_low_frequency"]?.intValue }
    /// Reconstruction crop (rows, columns): the header's recon matrix, else the target's plane.
    public var cropSize: [Int]? { header?.cropSize ?? targetShape.map { Array($0.suffix(2)) } }
}

/// A fastMRI HDF5 file opened for slice-by-slice reading (one slice read never loads the volume).
///
///     let file = try FastMRIFile("file1000001.h5")
///     let kspace = try file.readKSpace(slice: 10)   // [coils, H, W]
///     let target = try file.readTarget(slice: 10)   // [320, 320]
public final class FastMRIFile: @unchecked Sendable {
    public let info: FastMRIInfo
    private let kspace: HDF5Dataset
    private let target: HDF5Dataset?

    public static let targetNames = ["reconstruction_rss", "reconstruction_esc"]

    public init(_ path: String) throws {
        let root = try HDF5File(path: path).root
        guard root.contains("kspace") else {
            throw AmbientError(.badFormat, path, "not a fastMRI file: missing dataset 'kspace'")
        }
        kspace = try root.dataset("kspace")
        try kspace.requireRank(3, 4, what: "kspace ([slices, coils, H, W] or [slices, H, W])")
        guard case .complex = kspace.elementType else {
            throw AmbientError(.badFormat, kspace.subject, "kspace must be complex64, found \(kspace.elementType)")
        }
        guard kspace.shape.allSatisfy({ $0 > 0 }) else {
            throw AmbientError(.badShape, kspace.subject, "kspace has an empty axis: shape \(kspace.shape)")
        }

        var target: HDF5Dataset?
        for name in Self.targetNames where root.contains(name) {
            let dataset = try root.dataset(name)
            try dataset.requireRank(3, what: "\(name) ([slices, H, W])")
            guard dataset.elementType.isRealNumber else {
                throw AmbientError(.badFormat, dataset.subject, "\(name) must be real, found \(dataset.elementType)")
            }
            guard dataset.shape[0] == kspace.shape[0] else {
                throw AmbientError(.badShape, dataset.subject, "\(name) has \(dataset.shape[0]) slices but kspace has \(kspace.shape[0])")
            }
            target = dataset
            break
        }
        self.target = target

        var mask: RealArray?
        if root.contains("mask") {
            let dataset = try root.dataset("mask")
            try dataset.requireRank(1, what: "mask (1-D over columns)")
            guard dataset.shape[0] == kspace.shape.last! else {
                throw AmbientError(.badShape, dataset.subject, "mask has length \(dataset.shape[0]) but k-space has \(kspace.shape.last!) columns")
            }
            mask = try dataset.read(as: Float.self)
        }

        var headerXML: String?, header: MRDHeader?
        if root.contains("ismrmrd_header") {
            let xml = try root.dataset("ismrmrd_header").readString()
            headerXML = xml
            header = try MRDHeader(xml: xml, subject: "\(path):/ismrmrd_header")
        }

        var attributes: [String: HDF5AttributeValue] = [:]
        for name in try root.attributeNames() { attributes[name] = try root.attribute(name) }

        info = FastMRIInfo(path: path, kspaceShape: kspace.shape, targetName: target.map { String($0.objectPath.dropFirst()) },
                           targetShape: target?.shape, mask: mask, headerXML: headerXML, header: header, attributes: attributes)
    }

    /// One slice of k-space: [coils, H, W] (multi-coil) or [H, W] (single-coil).
    /// Throws `.badValue` when it holds NaN or Inf.
    public func readKSpace(slice: Int) throws -> ComplexArray {
        try checkSlice(slice)
        var data = ComplexArray(zeros: [])
        try readKSpace(slice: slice, into: &data)
        return data
    }

    /// Reads one slice into `buffer`, reusing its storage when the shape fits (for loops over slices).
    public func readKSpace(slice: Int, into buffer: inout ComplexArray) throws {
        try checkSlice(slice)
        if try !kspace.read(index: slice, into: &buffer) {
            try buffer.requireFinite(kspace.subject, what: "slice \(slice)")  // names the first bad entry
        }
    }

    /// The whole k-space volume as stored (validated like `readKSpace(slice:)`).
    public func readKSpaceVolume() throws -> ComplexArray {
        let data: ComplexArray = try kspace.read()
        try requireFiniteFast(data, kspace.subject, what: "kspace")
        return data
    }

    /// One slice of the reference reconstruction (`reconstruction_rss` or `_esc`), [H', W'].
    public func readTarget(slice: Int) throws -> RealArray {
        try checkSlice(slice)
        guard let target else {
            throw AmbientError(.badFormat, info.path, "no reference reconstruction (\(Self.targetNames.joined(separator: " or ")))")
        }
        return try target.read(index: slice)
    }

    /// The column mask expanded to the k-space plane [H, W], when the file has one.
    public var planeMask: RealArray? {
        guard let mask = info.mask else { return nil }
        let h = info.planeShape[0], w = info.planeShape[1]
        return RealArray(shape: [h, w]) { mask[flat: $0 % w] }
    }

    private func checkSlice(_ slice: Int) throws {
        guard slice >= 0, slice < info.sliceCount else {
            throw AmbientError(.badArgument, info.path, "slice \(slice) out of range 0..<\(info.sliceCount)")
        }
    }
}

/// Writes fastMRI-layout files atomically: datasets go to a temporary file next to `path`, and
/// `commit()` renames it into place. A writer released without `commit()` leaves nothing behind.
///
///     let writer = try FastMRIWriter(path: "out/file1000001.h5")
///     try writer.writeReconstruction(volume)            // `reconstruction`, float32 [slices, H, W]
///     try writer.commit()
public final class FastMRIWriter {
    public let path: String
    private let temporaryPath: String
    private var file: HDF5File?
    private var root: HDF5Group?
    private var open: [String: HDF5Dataset] = [:]

    /// With `compressed`, array datasets are chunked per slice and deflated (see `createDataset`).
    public let compressed: Bool

    public init(path: String, compressed: Bool = false) throws {
        try AtomicWrite.checkDirectory(of: path)
        self.path = path
        self.compressed = compressed
        temporaryPath = AtomicWrite.temporaryPath(for: path)
        let file = try HDF5File(path: temporaryPath, mode: .create)
        self.file = file
        root = try file.root
    }

    deinit {
        if file != nil { abandon() }
    }

    /// Writes the whole k-space volume, [slices, coils, H, W] or [slices, H, W], as complex64.
    public func writeKSpace(_ kspace: ComplexArray) throws {
        guard kspace.rank == 3 || kspace.rank == 4 else {
            throw AmbientError(.badShape, path, "kspace must be [slices, coils, H, W] or [slices, H, W], got \(kspace.shape)")
        }
        try create("kspace", .complex64, kspace.shape).write(kspace)
    }

    /// Creates an empty `kspace` dataset to fill slice by slice with `writeKSpace(slice:_:)`.
    public func beginKSpace(shape: [Int]) throws {
        guard shape.count == 3 || shape.count == 4 else {
            throw AmbientError(.badShape, path, "kspace must be [slices, coils, H, W] or [slices, H, W], got \(shape)")
        }
        _ = try create("kspace", .complex64, shape)
    }

    public func writeKSpace(slice: Int, _ data: ComplexArray) throws {
        try dataset("kspace").write(data, start: [slice] + [Int](repeating: 0, count: data.rank))
    }

    /// Writes a real volume [slices, H, W] as float32 under `name`: "reconstruction" (what fastMRI's
    /// evaluation reads), "reconstruction_rss" or "reconstruction_esc" (the input layout).
    public func writeReconstruction(_ volume: RealArray, name: String = "reconstruction") throws {
        guard volume.rank == 3 else {
            throw AmbientError(.badShape, path, "\(name) must be [slices, H, W], got \(volume.shape)")
        }
        try create(name, .float32, volume.shape).write(volume)
    }

    /// Creates an empty reconstruction dataset [slices, H, W] to fill with `writeReconstruction(slice:_:name:)`.
    public func beginReconstruction(shape: [Int], name: String = "reconstruction") throws {
        guard shape.count == 3 else { throw AmbientError(.badShape, path, "\(name) must be [slices, H, W], got \(shape)") }
        _ = try create(name, .float32, shape)
    }

    public func writeReconstruction(slice: Int, _ image: RealArray, name: String = "reconstruction") throws {
        try dataset(name).write(image, start: [slice, 0, 0])
    }

    /// Writes any real or complex array as its own dataset (float32 / complex64), for datasets
    /// beyond fastMRI's own (e.g. simulated data's `sens_maps`, `slice_masks`, `image`).
    public func writeArray<Element: ArrayElement>(_ array: NDArray<Element>, name: String) throws {
        try create(name, Element.self == Complex32.self ? .complex64 : .float32, array.shape).write(array)
    }

    /// Writes the 1-D column mask (length W) as h5py's bool, as fastMRI test files store it.
    public func writeMask(_ mask: RealArray) throws {
        let columns = mask.rank == 2 ? RealArray(shape: [mask.shape[1]]) { mask[0, $0] } : mask
        guard columns.rank == 1 else { throw AmbientError(.badShape, path, "mask must be 1-D (columns), got \(mask.shape)") }
        let dataset = try create("mask", .bool, columns.shape)
        let bytes = columns.map { $0 != 0 ? Float(1) : 0 }
        try HDF5Writing.writeBool(bytes, to: dataset)
    }

    /// Writes the ISMRMRD XML header as fastMRI stores it (`ismrmrd_header`, a byte string).
    public func writeHeader(xml: String) throws {
        try create("ismrmrd_header", .fixedString(length: xml.utf8.count), []).write(string: xml)
    }

    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        guard let root else { throw AmbientError(.unwritable, path, "writer already committed") }
        try root.setAttribute(name, value)
    }

    /// Copies the header and root attributes of a source file (for derived files in the input layout).
    public func copyMetadata(from source: FastMRIInfo) throws {
        if let xml = source.headerXML { try writeHeader(xml: xml) }
        for (name, value) in source.attributes.sorted(by: { $0.key < $1.key }) { try setAttribute(name, value) }
    }

    /// Closes the file and moves it into place.
    public func commit() throws {
        guard file != nil else { throw AmbientError(.unwritable, path, "writer already committed") }
        try file?.flush()
        open = [:]; root = nil; file = nil
        try AtomicWrite.commit(temporary: temporaryPath, to: path)
    }

    /// Writes a `reconstruction` file as fastMRI's evaluation expects, in one call.
    public static func writeReconstruction(_ volume: RealArray, to path: String,
                                           attributes: [String: HDF5AttributeValue] = [:]) throws {
        let writer = try FastMRIWriter(path: path)
        try writer.writeReconstruction(volume)
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) { try writer.setAttribute(name, value) }
        try writer.commit()
    }

    private func create(_ name: String, _ type: HDF5StorageType, _ shape: [Int]) throws -> HDF5Dataset {
        guard let root else { throw AmbientError(.unwritable, path, "writer already committed") }
        guard open[name] == nil else { throw AmbientError(.badArgument, path, "dataset '\(name)' written twice") }
        let compressible: Bool
        switch type { case .float32, .float64, .complex64: compressible = compressed; default: compressible = false }
        let dataset = try root.createDataset(name, type: type, shape: shape, compressed: compressible)
        open[name] = dataset
        return dataset
    }

    private func dataset(_ name: String) throws -> HDF5Dataset {
        guard let dataset = open[name] else { throw AmbientError(.badArgument, path, "dataset '\(name)' not begun") }
        return dataset
    }

    private func abandon() {
        open = [:]; root = nil; file = nil
        unlink(temporaryPath)
    }
}

/// NaN/Inf check at memory speed: x − x is 0 for finite x and NaN otherwise, so one sum tells;
/// only when it fails is the slow search for the first bad index run (for the message).
func requireFiniteFast(_ data: ComplexArray, _ subject: String, what: String) throws {
    if !data.withUnsafeBufferPointer({ allFloatsFinite(UnsafeRawBufferPointer($0)) }) {
        try data.requireFinite(subject, what: what)
    }
}
