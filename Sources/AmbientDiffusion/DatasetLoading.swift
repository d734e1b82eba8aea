import AmbientCore
import AmbientIO
import Foundation

/// Training data from files in the fastMRI layout that `ambient simulate` and `ambient convert`
/// write (docs/data.md). 64×64 corpora fit in memory, so slices are read once, up front.
public enum TrainingFolders {
    /// Clean complex images: every slice of each file's `image` dataset (the complex truth of target
    /// files), or of `reconstruction_rss` / `reconstruction_esc` as real images when there is none.
    /// `oversample[name] = k` repeats the slices of files whose name contains `name` k times (to
    /// balance a small brain volume against a large image set).
    public static func loadImages(_ inputs: [String], oversample: [String: Int] = [:],
                                  progress: Bool = true) throws -> InMemoryImageDataset {
        let files = try InputFiles.expand(inputs, extensions: ["h5", "hdf5"])
        guard !files.isEmpty else { throw AmbientError(.badArgument, inputs.joined(separator: " "), "no .h5 files") }
        var slices: [ComplexArray] = []
        let bar = ProgressBar("loading images", total: files.count, unit: "files", enabled: progress)
        for file in files {
            let root = try HDF5File(path: file).root
            let volume: ComplexArray
            if root.contains("image") {
                volume = try root.dataset("image").read(as: Complex32.self)
            } else if let name = FastMRIFile.targetNames.first(where: root.contains) {
                volume = (try root.dataset(name).read(as: Float.self)).complex
            } else {
                throw AmbientError(.badFormat, file, "no clean images: needs an `image` or `reconstruction_rss` dataset")
            }
            guard volume.rank == 3 else { throw AmbientError(.badShape, file, "images must be [slices, H, W], got \(volume.shape)") }
            if let plane = slices.first?.shape, plane != Array(volume.shape.suffix(2)) {
                throw AmbientError(.badShape, file, "image plane \(Array(volume.shape.suffix(2))) differs from the first file's \(plane)")
            }
            let name = (file as NSString).lastPathComponent
            let repeats = oversample.first { name.contains($0.key) }?.value ?? 1
            for _ in 0..<max(1, repeats) { for s in 0..<volume.shape[0] { slices.append(volume.slice(s)) } }
            bar.advance(status: name)
        }
        bar.finish()
        return try InMemoryImageDataset(images: ComplexArray.stack(slices))
    }

    /// The complex truth [slices, H, W] of a target file (its `image` dataset).
    public static func readComplexTruth(_ path: String) throws -> ComplexArray {
        let root = try HDF5File(path: path).root
        guard root.contains("image") else { throw AmbientError(.badFormat, path, "no complex `image` dataset (the simulated truth)") }
        let volume: ComplexArray = try root.dataset("image").read()
        guard volume.rank == 3 else { throw AmbientError(.badShape, path, "`image` must be [slices, H, W], got \(volume.shape)") }
        return volume
    }

    /// Undersampled multi-coil slices, each scaled so that its zero-filled image Aᴴy has a 99th-percentile
    /// magnitude of 1 (as posterior sampling scales them): `kspace`, each slice's mask (`slice_masks`, else the 1-D `mask`,
    /// else the non-zero pattern), maps (`sens_maps`, else ESPIRiT on the calibration region), and —
    /// when `targets` names a folder with files of the same names — the complex truth for the oracle.
    public static func loadKSpace(_ inputs: [String], targets: String? = nil, espirit: ESPIRiTConfig = ESPIRiTConfig(),
                                  progress: Bool = true) throws -> InMemoryKSpaceDataset {
        let files = try InputFiles.expand(inputs, extensions: ["h5", "hdf5"])
        guard !files.isEmpty else { throw AmbientError(.badArgument, inputs.joined(separator: " "), "no .h5 files") }
        var kspace: [ComplexArray] = [], maps: [ComplexArray] = [], masks: [RealArray] = [], references: [ComplexArray] = []
        let bar = ProgressBar("loading k-space", total: files.count, unit: "files", enabled: progress)
        for file in files {
            let scan = try FastMRIFile(file)
            guard scan.info.isMultiCoil else { throw AmbientError(.unsupported, file, "training needs multi-coil k-space [slices, coils, H, W]") }
            var truth: ComplexArray?
            if let targets {
                let path = (targets as NSString).appendingPathComponent((file as NSString).lastPathComponent)
                let volume = try readComplexTruth(path)
                guard volume.shape[0] == scan.info.sliceCount else {
                    throw AmbientError(.badShape, path, "has \(volume.shape[0]) slices, \(file) has \(scan.info.sliceCount)")
                }
                truth = volume
            }
            for s in 0..<scan.info.sliceCount {
                let k = try scan.readKSpace(slice: s)
                if let first = kspace.first, first.shape != k.shape {
                    throw AmbientError(.badShape, file, "slice \(s) has shape \(k.shape), the first slice loaded has \(first.shape)")
                }
                let mask = try scan.sliceMask(s) ?? scan.planeMask ?? CalibrationRegion.samplingPattern(of: k)
                let m = try scan.sensitivityMaps(slice: s) ?? ESPIRiT.sensitivities(kspace: k, config: espirit, subject: "\(file) slice \(s)")
                // The convention posterior sampling uses too (docs/conventions.md): the zero-filled
                // image's 99th-percentile magnitude becomes 1.
                let scale = try zeroFilledScale(kspace: k, maps: m, mask: mask, subject: "\(file) slice \(s)")
                kspace.append(k * (1 / scale))
                masks.append(mask)
                maps.append(m)
                if let truth { references.append(truth.slice(s) * (1 / scale)) }
            }
            bar.advance(status: (file as NSString).lastPathComponent)
        }
        bar.finish()
        return try InMemoryKSpaceDataset(kspace: ComplexArray.stack(kspace), maps: ComplexArray.stack(maps),
                                         masks: RealArray.stack(masks), references: references.isEmpty ? nil : ComplexArray.stack(references))
    }
}
