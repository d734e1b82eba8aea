import AmbientCore
import AmbientIO
import Foundation

/// Multi-coil slices read lazily from fastMRI-layout HDF5 files (on the loader thread), for the
/// Fourier objectives. Per slice: the k-space; the mask from `slice_masks`, else the file's `mask`,
/// else the sampling pattern of the data — or, for retrospective undersampling, `retrospectiveMask`
/// drawn with SeededGenerator(hashing: [file name, slice]); the maps from `sens_maps`, else ESPIRiT
/// (cached per slice in memory); the complex `image`, when present, as the oracle's reference.
/// Data are scaled so that the 99th-percentile magnitude of the zero-filled image Aᴴy is 1.
public final class FastMRIKSpaceDataset: TrainingDataset, @unchecked Sendable {
    public let files: [FastMRIFile]
    public let planeShape: [Int]
    public let retrospectiveMask: MaskSpec?
    public let espirit: ESPIRiTConfig
    private let slices: [(file: Int, slice: Int)]
    private var mapsCache: [Int: ComplexArray] = [:]
    private let lock = NSLock()

    public init(paths: [String], retrospectiveMask: MaskSpec? = nil, espirit: ESPIRiTConfig = ESPIRiTConfig()) throws {
        guard !paths.isEmpty else { throw AmbientError(.badArgument, "training data", "no files given") }
        files = try paths.map { try FastMRIFile($0) }
        let plane = files[0].info.planeShape
        for file in files where file.info.planeShape != plane {
            throw AmbientError(.badShape, file.info.path, "plane \(file.info.planeShape) differs from \(plane) of \(files[0].info.path); train on one size (crop or resample first)")
        }
        planeShape = plane
        self.retrospectiveMask = retrospectiveMask
        self.espirit = espirit
        slices = files.enumerated().flatMap { f, file in (0..<file.info.sliceCount).map { (file: f, slice: $0) } }
    }

    public var count: Int { slices.count }

    public func example(at index: Int) throws -> TrainingExample {
        guard index >= 0, index < slices.count else {
            throw AmbientError(.badArgument, "training data", "example \(index) out of range 0..<\(slices.count)")
        }
        let (f, slice) = slices[index]
        let file = files[f]
        var kspace = try file.readKSpace(slice: slice)
        if kspace.rank == 2 { kspace = kspace.reshaped([1] + kspace.shape) }
        let name = URL(fileURLWithPath: file.info.path).lastPathComponent
        let mask: RealArray
        if let spec = retrospectiveMask {
            var rng = SeededGenerator(hashing: [name, String(slice)])
            mask = try spec.make(height: planeShape[0], width: planeShape[1], using: &rng)
        } else {
            mask = try file.sliceMask(slice) ?? file.planeMask ?? CalibrationRegion.samplingPattern(of: kspace)
        }
        kspace = kspace.multipliedBroadcast(by: mask)
        let maps = try sensitivities(index: index, file: file, slice: slice, kspace: kspace)
        let zeroFilled = LinearOperator.sense(maps: maps, mask: mask).adjoint(kspace)
        let scale = 1 / max(percentile99(zeroFilled.magnitude), 1e-30)
        let reference = try file.complexImage(slice: slice).flatMap { $0.shape == planeShape ? $0 * scale : nil }
        return TrainingExample(kspace: kspace * scale, maps: maps, mask: mask, reference: reference)
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

    private func percentile99(_ values: RealArray) -> Float {
        let sorted = values.elements.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * 0.99))]
    }
}
