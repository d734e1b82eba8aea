import AmbientCore
import AmbientIO
import Foundation

/// One slice ready for reconstruction, in docs/conventions.md's layout.
public struct ScanSlice {
    /// [coils, ky, kx] (single-coil data gets a coil axis of 1).
    public var kspace: ComplexArray
    /// [ky, kx], 1 = sampled.
    public var mask: RealArray
    /// [coils, y, x], when the file carries sensitivities.
    public var maps: ComplexArray?
}

/// A scan volume read slice by slice: a fastMRI file, an ISMRMRD raw-data file or a BART/NumPy array.
public protocol ScanVolume {
    var path: String { get }
    var sliceCount: Int { get }
    /// Output matrix after reconstruction (fastMRI's recon size), nil to keep the k-space matrix.
    var cropSize: [Int]? { get }
    func slice(_ index: Int) throws -> ScanSlice
}

public enum ScanFiles {
    public static let scanExtensions: Set<String> = ["h5", "hdf5", "cfl", "npy"]

    /// Files named on the command line, folders expanded to the scans inside them (sorted, not recursive).
    public static func expand(_ inputs: [String]) throws -> [String] {
        try InputFiles.expand(inputs, extensions: scanExtensions)
    }

    /// Opens a scan by content: HDF5 with `kspace` (fastMRI) or `/dataset` (ISMRMRD); .cfl/.npy arrays.
    /// `mask` and `maps` override what the file says (for array inputs they are the only source).
    public static func open(_ path: String, mask: RealArray? = nil, maps: ComplexArray? = nil) throws -> ScanVolume {
        switch (path as NSString).pathExtension.lowercased() {
        case "h5", "hdf5":
            if let scan = try? FastMRIScan(path: path, maskOverride: mask, mapsOverride: maps) { return scan }
            do {
                return try ISMRMRDScan(path: path, maskOverride: mask, mapsOverride: maps)
            } catch {
                // Report the fastMRI reading error: it says what a fastMRI file lacks.
                _ = try FastMRIScan(path: path, maskOverride: mask, mapsOverride: maps)
                throw error
            }
        default:
            return try ArrayScan(path: path, maskOverride: mask, mapsOverride: maps)
        }
    }

    /// The mask: an explicit one (checked against the plane), else the one the file gives, else the
    /// non-zero pattern of the k-space itself.
    public static func resolveMask(_ explicit: RealArray?, fromFile: RealArray?, kspace: ComplexArray, subject: String) throws -> RealArray {
        let plane = Array(kspace.shape.suffix(2))
        if let m = explicit ?? fromFile {
            guard m.shape == plane else {
                throw AmbientError(.badShape, subject, "mask of shape \(m.shape) does not fit the k-space plane \(plane)")
            }
            return m
        }
        return CalibrationRegion.samplingPattern(of: kspace)
    }
}

public struct FastMRIScan: ScanVolume {
    public let file: FastMRIFile
    public let maskOverride: RealArray?
    public let mapsOverride: ComplexArray?
    public var path: String { file.info.path }
    public var sliceCount: Int { file.info.sliceCount }
    public var cropSize: [Int]? { file.info.cropSize }

    public init(path: String, maskOverride: RealArray?, mapsOverride: ComplexArray?) throws {
        file = try FastMRIFile(path)
        self.maskOverride = maskOverride
        self.mapsOverride = mapsOverride
    }

    public func slice(_ index: Int) throws -> ScanSlice {
        var kspace = try file.readKSpace(slice: index)
        if kspace.rank == 2 { kspace = kspace.reshaped([1] + kspace.shape) }
        let mask = try ScanFiles.resolveMask(maskOverride, fromFile: try file.sliceMask(index) ?? file.planeMask,
                                             kspace: kspace, subject: path)
        return ScanSlice(kspace: kspace, mask: mask, maps: try mapsOverride ?? file.sensitivityMaps(slice: index))
    }
}

public struct ISMRMRDScan: ScanVolume {
    public let path: String
    public let data: MRDCartesianKSpace
    public let maskOverride: RealArray?
    public let mapsOverride: ComplexArray?
    public var sliceCount: Int { data.kspace.shape[0] }
    public var cropSize: [Int]? { nil }

    public init(path: String, maskOverride: RealArray?, mapsOverride: ComplexArray?) throws {
        self.path = path
        data = try ISMRMRDFile(path).readCartesianKSpace()
        self.maskOverride = maskOverride
        self.mapsOverride = mapsOverride
    }

    public func slice(_ index: Int) throws -> ScanSlice {
        let kspace = data.kspace.slice(index)
        let h = kspace.shape[1], w = kspace.shape[2]
        let columns = data.sampledColumns.slice(index)
        let fileMask = RealArray(shape: [h, w]) { columns[flat: $0 % w] }
        let mask = try ScanFiles.resolveMask(maskOverride, fromFile: fileMask, kspace: kspace, subject: path)
        return ScanSlice(kspace: kspace, mask: mask, maps: mapsOverride)
    }
}

/// A .cfl / .npy k-space array: [coils, ky, kx] (one slice) or [slices, coils, ky, kx].
public struct ArrayScan: ScanVolume {
    public let path: String
    public let kspace: ComplexArray
    public let maskOverride: RealArray?
    public let mapsOverride: ComplexArray?
    public var sliceCount: Int { kspace.rank == 4 ? kspace.shape[0] : 1 }
    public var cropSize: [Int]? { nil }

    public init(path: String, maskOverride: RealArray?, mapsOverride: ComplexArray?) throws {
        self.path = path
        let data = try ArrayFiles.readComplex(path)
        guard data.rank == 3 || data.rank == 4 else {
            throw AmbientError(.badShape, path, "expected k-space [coils, ky, kx] or [slices, coils, ky, kx], got \(data.shape)")
        }
        try data.requireFinite(path, what: "k-space")
        kspace = data
        self.maskOverride = maskOverride
        self.mapsOverride = mapsOverride
        if let maps = mapsOverride, maps.shape != Array(data.shape.suffix(3)) && maps.shape != data.shape {
            throw AmbientError(.badShape, path, "maps of shape \(maps.shape) do not fit k-space of shape \(data.shape)")
        }
    }

    public func slice(_ index: Int) throws -> ScanSlice {
        let k = kspace.rank == 4 ? kspace.slice(index) : kspace
        let maps = mapsOverride.map { $0.rank == 4 ? $0.slice(index) : $0 }
        return ScanSlice(kspace: k, mask: try ScanFiles.resolveMask(maskOverride, fromFile: nil, kspace: k, subject: path), maps: maps)
    }
}
