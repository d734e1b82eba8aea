import AmbientCore
import Foundation

/// The file formats `ambient` reads, recognised by extension (and, for HDF5, by content).
public enum ScanFormat: String, Sendable, Codable {
    case fastMRI, ismrmrd, hdf5, cfl, npy, nifti, png, idx

    /// Detects the format of `path`; `.h5`/`.hdf5` files are fastMRI when they have `kspace`,
    /// ISMRMRD when they have `/dataset/data`, plain HDF5 otherwise.
    public static func detect(_ path: String) throws -> ScanFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") { return .nifti }
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".png") { return .png }
        if lower.hasSuffix("-ubyte") || lower.hasSuffix("-ubyte.gz") { return .idx }
        if lower.hasSuffix(".cfl") || lower.hasSuffix(".hdr") { return .cfl }
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || HDF5File.isHDF5(path: path) {
            let root = try HDF5File(path: path).root
            if root.contains("kspace") { return .fastMRI }
            if root.contains("dataset/data") && root.contains("dataset/xml") { return .ismrmrd }
            return .hdf5
        }
        if !FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: path + ".cfl") {
            throw AmbientError(.fileNotFound, path, "no such file")
        }
        throw AmbientError(.unsupported, path, "unknown file type (expected .h5, .cfl, .npy, .nii, .nii.gz or .png)")
    }
}

/// Loads the main array of any supported file: fastMRI `kspace` ([slices, coils, H, W]), ISMRMRD
/// Cartesian k-space ([slices, coils, readout, phase], repetition 0), CFL, NPY, NIfTI ([z, y, x]) or PNG ([H, W] in 0…1).
public func loadArray(_ path: String) throws -> LoadedArray {
    switch try ScanFormat.detect(path) {
    case .fastMRI: return .complex(try FastMRIFile(path).readKSpaceVolume())
    case .ismrmrd: return .complex(try ISMRMRDFile(path).readCartesianKSpace().kspace)
    case .hdf5: throw AmbientError(.badFormat, path, "HDF5 file is neither fastMRI (no 'kspace') nor ISMRMRD (no '/dataset/data')")
    case .cfl: return .complex(try CFL.read(path))
    case .npy: return try NPY.read(path)
    case .nifti: return try NIfTI.read(path)
    case .png: return .real(try PNG.read(path))
    case .idx: return .real(try IDX.read(path))
    }
}

/// A human-readable summary for `ambient info`: format, datasets with shapes and dtypes, coils,
/// matrix sizes, acceleration and header fields.
public func describe(_ path: String) throws -> String {
    let format = try ScanFormat.detect(path)
    var lines = ["\(path): \(format.rawValue)"]
    func add(_ key: String, _ value: Any?) { if let value { lines.append("  \(key): \(value)") } }
    func addHeader(_ header: MRDHeader?) {
        guard let header else { return }
        add("encoded matrix", header.encodedMatrix.map(String.init).joined(separator: "×"))
        add("recon matrix", header.reconMatrix.map(String.init).joined(separator: "×"))
        add("encoded FOV (mm)", header.encodedFieldOfViewMM.map { String(format: "%g", $0) }.joined(separator: "×"))
        add("recon FOV (mm)", header.reconFieldOfViewMM.map { String(format: "%g", $0) }.joined(separator: "×"))
        add("trajectory", header.trajectory)
        add("system", [header.systemVendor, header.systemModel].compactMap { $0 }.joined(separator: " ").nilIfEmpty)
        add("field strength (T)", header.fieldStrengthT)
        add("TR/TE (ms)", header.repetitionTimeMS.map { tr in "\(tr)/\(header.echoTimeMS.map { String($0) } ?? "?")" })
    }
    func addDatasets(_ group: HDF5Group, prefix: String = "") throws {
        for name in try group.memberNames() {
            switch try group.kind(of: name) {
            case .dataset:
                let dataset = try group.dataset(name)
                lines.append("  dataset \(prefix)\(name): \(dataset.shape) \(dataset.elementType)")
            case .group:
                try addDatasets(try group.group(name), prefix: prefix + name + "/")
            case .other: break
            }
        }
    }
    switch format {
    case .fastMRI:
        let file = try FastMRIFile(path)
        let info = file.info
        lines.append("  \(info.isMultiCoil ? "multi" : "single")-coil, \(info.sliceCount) slices, \(info.coilCount) coils, k-space plane \(info.planeShape)")
        try addDatasets(try HDF5File(path: path).root)
        for (name, value) in info.attributes.sorted(by: { $0.key < $1.key }) { add("attribute \(name)", value) }
        if let mask = info.mask {
            let sampled = Int(mask.sum)
            add("mask", "\(sampled)/\(mask.count) columns (acceleration ≈ \(String(format: "%.2f", Double(mask.count) / Double(max(sampled, 1)))))")
        }
        add("crop size", info.cropSize)
        addHeader(info.header)
    case .ismrmrd:
        let file = try ISMRMRDFile(path)
        lines.append("  \(file.acquisitionCount) acquisitions")
        try addDatasets(try HDF5File(path: path).root)
        add("receiver channels", file.header.receiverChannels)
        addHeader(file.header)
    case .hdf5:
        try addDatasets(try HDF5File(path: path).root)
    case .nifti:
        let header = try NIfTI.readHeader(path)
        add("shape [z, y, x]", header.shape)
        add("datatype", header.datatypeName)
        add("voxel size (mm, x y z)", header.voxelSize)
        if header.slope != 1 || header.intercept != 0 { add("scaling", "slope \(header.slope), intercept \(header.intercept)") }
    case .cfl, .npy, .png, .idx:
        let array = try loadArray(path)
        add("shape", array.shape)
        add("dtype", array.dtypeName)
        let magnitude = array.magnitude
        add("magnitude range", "\(magnitude.minimum) … \(magnitude.maximum)")
    }
    return lines.joined(separator: "\n")
}

/// Throws `.badValue` naming `subject` when k-space holds NaN/Inf or is entirely zero.
public func validateKSpace(_ kspace: ComplexArray, subject: String) throws {
    try kspace.requireFinite(subject, what: "k-space")
    if kspace.count > 0 && kspace.withUnsafeBufferPointer({ $0.allSatisfy { $0 == .zero } }) {
        throw AmbientError(.badValue, subject, "k-space is all zeros")
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
