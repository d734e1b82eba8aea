import AmbientCore
import Foundation

/// What the Fourier ambient loss needs of one slice: A = M·F·S and Aᴴy.
public struct FourierLossSlice: Sendable {
    /// [C, H, W]
    public let maps: ComplexArray
    /// The observed sampling mask A's M, [H, W].
    public let mask: RealArray
    /// Aᴴy: the coil-combined zero-filled image of the measured k-space, [H, W].
    public let adjointData: ComplexArray

    public init(maps: ComplexArray, mask: RealArray, adjointData: ComplexArray) {
        self.maps = maps
        self.mask = mask
        self.adjointData = adjointData
    }
}

/// One training step's data, ready for the network: everything random about the step is decided here.
public struct PreparedBatch: Sendable {
    public enum LossData: Sendable {
        /// Image-domain loss against `target` [B, H, W], counted only where `observed` [B, H, W] is 1
        /// (nil: everywhere, the plain EDM loss).
        case image(target: ComplexArray, observed: RealArray?)
        /// The Fourier ambient loss ‖AᴴA D − Aᴴy‖², per slice.
        case fourier([FourierLossSlice])
    }

    public let step: Int
    /// Dataset indices of the batch.
    public let indices: [Int]
    public let sigma: [Float]
    /// The noisy input x_t as the network sees it (before c_in), [B, H, W].
    public let noisy: ComplexArray
    /// Mask channel [B, 1, H, W] when the network takes one.
    public let conditioning: RealArray?
    public let loss: LossData
    /// Seconds spent preparing (reads, FFTs, masks).
    public var preparationSeconds: Double = 0
}

/// Builds the batch of any step as a pure function of (options, dataset, step): batches, σ, noise
/// and Ã come from generators seeded by the step, so a resumed run sees exactly the batches an
/// uninterrupted run would. Per-image masks A_i are seeded by the image index (fixed across epochs).
/// Not thread-safe: one thread (the loader) uses an instance.
public final class BatchBuilder: @unchecked Sendable {
    public let options: TrainingOptions
    public let dataset: TrainingDataset
    private let height: Int, width: Int
    private var cachedPermutation: (epoch: Int, order: [Int])?
    private var imageMasks: [Int: RealArray] = [:]

    public init(options: TrainingOptions, dataset: TrainingDataset) throws {
        self.options = try options.resolved()
        self.dataset = dataset
        guard dataset.count > 0 else { throw AmbientError(.badArgument, "training data", "the dataset is empty") }
        guard dataset.planeShape.count == 2 else {
            throw AmbientError(.badShape, "training data", "plane shape must be [H, W], got \(dataset.planeShape)")
        }
        height = dataset.planeShape[0]
        width = dataset.planeShape[1]
    }

    /// The fixed observation mask A_i of image `index` (image-domain corruption).
    public func imageMask(index: Int) throws -> RealArray {
        if let mask = imageMasks[index] { return mask }
        var rng = SeededGenerator(hashing: ["ambient-image-mask", String(options.maskSeed), String(index)])
        let mask = try options.imageMask.make(height: height, width: width, using: &rng)
        imageMasks[index] = mask
        return mask
    }

    /// The dataset indices of `step`: consecutive chunks of one seeded permutation per epoch.
    public func indices(forStep step: Int) -> [Int] {
        let n = dataset.count, b = options.batchSize
        return (0..<b).map { k in
            let position = step * b + k
            let epoch = position / n
            if cachedPermutation?.epoch != epoch {
                var rng = SeededGenerator(hashing: ["ambient-epoch", String(options.seed), String(epoch)])
                var order = Array(0..<n)
                for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                cachedPermutation = (epoch, order)
            }
            return cachedPermutation!.order[position % n]
        }
    }

    public func batch(step: Int) throws -> PreparedBatch {
        let start = Date()
        let indices = indices(forStep: step)
        // Separate streams for noise and for Ã, so that δ = 0 draws the same σ and n as no corruption.
        var noiseRNG = SeededGenerator(hashing: ["ambient-noise", String(options.seed), String(step)])
        var maskRNG = SeededGenerator(hashing: ["ambient-further", String(options.seed), String(step)])
        let sampler = LogNormalSigma(mean: options.pMean, std: options.pStd, minimum: options.lowestTrainedSigma)
        let plane = [height, width]
        var sigma: [Float] = [], noisy: [ComplexArray] = [], conditioning: [RealArray] = []
        var targets: [ComplexArray] = [], observed: [RealArray] = [], slices: [FourierLossSlice] = []
        for index in indices {
            let example = try dataset.example(at: index)
            let s = sampler.sample(using: &noiseRNG)
            // Unit variance per real channel, as EDM's randn on the (real, imaginary) channels.
            let n = ComplexArray.gaussianNoise(shape: plane, variance: 2, using: &noiseRNG) * s
            sigma.append(s)
            switch options.corruption {
            case .image:
                guard let clean = example.image, clean.shape == plane else {
                    throw AmbientError(.badShape, "training example \(index)", "needs an image of shape \(plane), got \(example.image?.shape.description ?? "none")")
                }
                let a = try imageMask(index: index)
                let y = clean.multiplied(by: a)
                switch options.objective {
                case .ambient:
                    let further = try Corruptions.furtherCorrupt(a, by: options.furtherCorruption!, protecting: Self.nothingProtected, using: &maskRNG)
                    noisy.append((y + n).multiplied(by: further))
                    conditioning.append(further)
                    targets.append(y)
                    observed.append(a)
                case .naive:
                    noisy.append(y + n); conditioning.append(a); targets.append(y)
                case .oracle:
                    noisy.append(clean + n); conditioning.append(RealArray(shape: plane, repeating: 1)); targets.append(clean)
                }
            case .fourier:
                let (kspace, maps, mask) = try Self.fourierParts(example, index: index, plane: plane)
                let observedOperator = LinearOperator.sense(maps: maps, mask: mask)
                let adjointData = observedOperator.adjoint(kspace.multipliedBroadcast(by: mask))
                switch options.objective {
                case .ambient:
                    let further = try Corruptions.furtherCorrupt(mask, by: options.furtherCorruption!, using: &maskRNG)
                    let furtherOperator = LinearOperator.sense(maps: maps, mask: further)
                    // Ãᴴ(Ã x_t) = Ãᴴỹ + ÃᴴÃ(σn): the data part from the measured k-space itself.
                    noisy.append(furtherOperator.adjoint(kspace.multipliedBroadcast(by: further)) + furtherOperator.normal(n))
                    conditioning.append(further)
                    slices.append(FourierLossSlice(maps: maps, mask: mask, adjointData: adjointData))
                case .naive:
                    noisy.append(adjointData + n); conditioning.append(mask); targets.append(adjointData)
                case .oracle:
                    guard let reference = example.image, reference.shape == plane else {
                        throw AmbientError(.badArgument, "training example \(index)", "the oracle objective needs a fully sampled reference image of shape \(plane)")
                    }
                    noisy.append(reference + n); conditioning.append(RealArray(shape: plane, repeating: 1)); targets.append(reference)
                }
            }
        }
        let loss: PreparedBatch.LossData = options.corruption == .fourier && options.objective == .ambient
            ? .fourier(slices)
            : .image(target: ComplexArray.stack(targets), observed: observed.isEmpty ? nil : RealArray.stack(observed))
        let maskChannel = options.maskChannel!
        var batch = PreparedBatch(step: step, indices: indices, sigma: sigma, noisy: ComplexArray.stack(noisy),
                                  conditioning: maskChannel ? RealArray.stack(conditioning).reshaped([indices.count, 1, height, width]) : nil,
                                  loss: loss)
        batch.preparationSeconds = Date().timeIntervalSince(start)
        return batch
    }

    /// An empty calibration region: image-domain masks have no k-space centre to keep.
    static let nothingProtected = CalibrationRegion(rows: 0..<0, columns: 0..<0)

    static func fourierParts(_ example: TrainingExample, index: Int, plane: [Int]) throws -> (ComplexArray, ComplexArray, RealArray) {
        let subject = "training example \(index)"
        guard let kspace = example.kspace, kspace.rank == 3, Array(kspace.shape.suffix(2)) == plane else {
            throw AmbientError(.badShape, subject, "needs k-space [C, \(plane[0]), \(plane[1])], got \(example.kspace?.shape.description ?? "none")")
        }
        guard let maps = example.maps, maps.shape == kspace.shape else {
            throw AmbientError(.badShape, subject, "needs coil maps of the k-space shape \(kspace.shape), got \(example.maps?.shape.description ?? "none")")
        }
        guard let mask = example.mask, mask.shape == plane else {
            throw AmbientError(.badShape, subject, "needs a sampling mask \(plane), got \(example.mask?.shape.description ?? "none")")
        }
        return (kspace, maps, mask)
    }
}

extension NDArray where Element == Complex32 {
    /// x ⊙ w with a [H, W] weight broadcast over the leading axes of x.
    func multipliedBroadcast(by weights: RealArray) -> ComplexArray {
        LinearOperator.mask(weights, shape: shape).forward(self)
    }
}
