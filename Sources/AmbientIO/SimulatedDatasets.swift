import AmbientCore
import Foundation

/// Datasets that AmbientMRI's simulated files add to the fastMRI layout (docs/data.md):
/// - `slice_masks` float32 [slices, ky, kx]: each slice's own sampling mask (seeded by file + slice);
/// - `sens_maps` complex64 [slices, coils, y, x], or [coils, y, x] shared by all slices: the coil
///   sensitivities used to simulate;
/// - `image` complex64 [slices, y, x]: the complex ground truth (target files).
/// Other tools ignore them; readers here use them when present.
extension FastMRIFile {
    /// The slice's own mask [ky, kx] when the file stores per-slice masks.
    public func sliceMask(_ slice: Int) throws -> RealArray? {
        try optionalSlice("slice_masks", slice, rank: 3, as: Float.self)
    }

    /// The slice's coil sensitivities [coils, y, x] when the file stores them.
    public func sensitivityMaps(slice: Int) throws -> ComplexArray? {
        let root = try HDF5File(path: info.path).root
        if root.contains("sens_maps"), try root.dataset("sens_maps").rank == 3 {
            let maps: ComplexArray = try root.dataset("sens_maps").read()
            guard maps.shape[0] == info.coilCount, Array(maps.shape.suffix(2)) == info.planeShape else {
                throw AmbientError(.badShape, "\(info.path):/sens_maps", "shape \(maps.shape) does not fit \(info.coilCount) coils on plane \(info.planeShape)")
            }
            return maps
        }
        return try optionalSlice("sens_maps", slice, rank: 4, as: Complex32.self)
    }

    /// The slice's complex ground truth [y, x] when the file stores it.
    public func complexImage(slice: Int) throws -> ComplexArray? {
        try optionalSlice("image", slice, rank: 3, as: Complex32.self)
    }

    private func optionalSlice<E: ArrayElement>(_ name: String, _ slice: Int, rank: Int, as: E.Type) throws -> NDArray<E>? {
        let root = try HDF5File(path: info.path).root
        guard root.contains(name) else { return nil }
        let dataset = try root.dataset(name)
        try dataset.requireRank(rank, what: name)
        guard dataset.shape[0] == info.sliceCount, slice >= 0, slice < dataset.shape[0] else {
            throw AmbientError(.badShape, dataset.subject, "has \(dataset.shape[0]) slices, k-space has \(info.sliceCount); asked for slice \(slice)")
        }
        guard Array(dataset.shape.suffix(2)) == info.planeShape || name == "image" else {
            throw AmbientError(.badShape, dataset.subject, "plane \(Array(dataset.shape.suffix(2))) does not match k-space plane \(info.planeShape)")
        }
        return try dataset.read(index: slice, as: E.self)
    }
}

extension FastMRIFile {
    /// The clean images of a target file, [slices, H, W]: its complex `image` (the simulated truth), or
    /// `reconstruction_rss` / `reconstruction_esc` as real images; nil when it has none of them.
    public static func cleanImages(_ path: String) throws -> ComplexArray? {
        let root = try HDF5File(path: path).root
        let volume: ComplexArray
        if root.contains("image") {
            volume = try root.dataset("image").read(as: Complex32.self)
        } else if let name = targetNames.first(where: root.contains) {
            volume = (try root.dataset(name).read(as: Float.self)).complex
        } else {
            return nil
        }
        guard volume.rank == 3 else { throw AmbientError(.badShape, path, "images must be [slices, H, W], got \(volume.shape)") }
        return volume
    }
}
