import AmbientCore
import AmbientIO
import Foundation

/// Multi-coil slices read lazily from fastMRI-layout HDF5 files (on the loader thread), for the
/// Fourier objectives. Per slice: the k-space; the mask from `slice_masks`, else the file's `mask`,
/// else the sampling pattern of the data — or, for retrospective undersampling, `retrospectiveMask`
/// drawn with SeededGenerator(hashing: [file name, slice]); the maps from `sens_maps`, else ESPIRiT
/// (cached per slice in memory); the complex `image` as the oracle's reference — from the file itself,
/// or from the file of the same name in `targetDirectory` (where `ambient simulate` puts the truth).
/// Data are scaled as posterior sampling scales them (`zeroFilledScale`: the 99th-percentile magnitude
/// of the zero-filled image Aᴴy becomes 1).
public final class FastMRIKSpaceDataset: TrainingDataset, @unchecked Sendable {
    public let files: [FastMRIFile]
    public let planeShape: [Int]
    public let retrospectiveMask: MaskSpec?
    public let espirit: ESPIRiTConfig
    public let targetDirectory: String?
    private let slices: [(file: Int, slice: Int)]
    private var mapsCache: [Int: ComplexArray] = [:]
    private let lock = NSLock()

    public init(paths: [String], retrospectiveMask: MaskSpec? = nil, espirit: ESPIRiTConfig = ESPIRiTConfig(),
                targetDirectory: String? = nil) throws {
        guard !paths.isEmpty else { throw AmbientError(.badArgument, "training data", "no files given") }
        files = try paths.map { try FastMRIFile($0) }
        let plane = files[0].info.planeShape
        for file in files where file.info.planeShape != plane {
            throw AmbientError(.badShape, file.info.path, "plane \(file.info.planeShape) differs from \(plane) of \(files[0].info.path); train on one size (crop or resample first)")
        }
        planeShape = plane
        self.retrospectiveMask = retrospectiveMask
        self.espirit = espirit
        self.targetDirectory = targetDirectory
        if let targetDirectory {
            for file in files {
                let target = (targetDirectory as NSString).appendingPathComponent((file.info.path as NSString).lastPathComponent)
                guard FileManager.default.fileExists(atPath: target) else {
                    throw AmbientError(.fileNotFound, target, "no truth file for \(file.info.path) (needed by the oracle)")
                }
            }
        }
        slices = files.enumerated().flatMap { f, file in (0..<file.info.sliceCount).map { (file: f, slice: $0) } }
    }

    public var count: Int { slices.count }

    public func example(at index: Int) throws -> TrainingExample {
        let (f, slice) = try location(of: index)
        let file = files[f]
        var kspace = try coilKSpace(file, slice)
        let mask = try samplingMask(file: file, slice: slice, kspace: kspace)
        kspace = kspace.multipliedBroadcast(by: mask)
        let maps = try sensitivities(index: index, file: file, slice: slice, kspace: kspace)
        let scale = 1 / (try zeroFilledScale(kspace: kspace, maps: maps, mask: mask, subject: "\(file.info.path) slice \(slice)"))
        let reference = try truth(file: file, slice: slice).flatMap { $0.shape == planeShape ? $0 * scale : nil }
        return TrainingExample(kspace: kspace * scale, maps: maps, mask: mask, reference: reference)
    }

    /// The sampling mask of example `index` alone: k-space is read only when the file stores no mask.
    public func samplingMask(at index: Int) throws -> RealArray {
        let (f, slice) = try location(of: index)
        return try samplingMask(file: files[f], slice: slice, kspace: nil)
    }

    private func location(of index: Int) throws -> (file: Int, slice: Int) {
        guard index >= 0, index < slices.count else {
            throw AmbientError(.badArgument, "training data", "example \(index) out of range 0..<\(slices.count)")
        }
        return slices[index]
    }

    /// The retrospective mask (seeded by file name + slice), else the file's slice or plane mask, else
    /// the pattern of nonzero samples in `kspace` (read here when nil).
    private func samplingMask(file: FastMRIFile, slice: Int, kspace: ComplexArray?) throws -> RealArray {
        if let spec = retrospectiveMask {
            var rng = SeededGenerator(hashing: [URL(fileURLWithPath: file.info.path).lastPathComponent, String(slice)])
            return try spec.make(height: planeShape[0], width: planeShape[1], using: &rng)
        }
        if let stored = try file.sliceMask(slice) ?? file.planeMask { return stored }
        return CalibrationRegion.samplingPattern(of: try kspace ?? coilKSpace(file, slice))
    }

    /// [C, H, W]; single-coil files as one coil.
    private func coilKSpace(_ file: FastMRIFile, _ slice: Int) throws -> ComplexArray {
        let kspace = try file.readKSpace(slice: slice)
        return kspace.rank == 2 ? kspace.reshaped([1] + kspace.shape) : kspace
    }

    private func sensitivities(index: Int, file: FastMRIFile, slice: Int, kspace: ComplexArray) throws -> ComplexArray {
        if kspace.shape[0] == 1 { return ComplexArray(shape: kspace.shape, repeating: .one) }
        if let maps = try file.sensitivityMaps(slice: slice) { return maps }
        lock.lock()
        let cached = mapsCache[index]
        lock.unlock()
        if let cached { return cached }
        let maps = try ESPIRiT.sensitivities(kspace: kspace, config: espirit, subject: "\(file.info.path) slice \(slice)")
        lock.lock()
        mapsCache[index] = maps
        lock.unlock()
        return maps
    }

    /// The complex truth of one slice, from the target folder or the file itself (nil when neither has it).
    private func truth(file: FastMRIFile, slice: Int) throws -> ComplexArray? {
        guard let targetDirectory else { return try file.complexImage(slice: slice) }
        let path = (targetDirectory as NSString).appendingPathComponent((file.info.path as NSString).lastPathComponent)
        let root = try HDF5File(path: path).root
        guard root.contains("image") else { throw AmbientError(.badFormat, path, "no complex `image` dataset (the simulated truth)") }
        return try root.dataset("image").read(index: slice, as: Complex32.self)
    }
}
