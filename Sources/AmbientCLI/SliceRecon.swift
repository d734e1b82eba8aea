import AmbientCore
import AmbientRecon

/// The reconstruction methods `ambient recon` offers.
public enum ReconMethod: String, Codable, CaseIterable {
    case zeroFilled = "zero-filled"
    case sense
    case l1Wavelet = "l1-wavelet"
    case tv
    /// Ambient Diffusion Posterior Sampling with the learned prior (needs `ambient-ml`).
    case ambientDPS = "ambient-dps"
    /// The one-step posterior-mean estimate with the learned prior (needs `ambient-ml`).
    case ambientOS = "ambient-os"

    public var needsMaps: Bool { self != .zeroFilled }
    public var isLearned: Bool { self == .ambientDPS || self == .ambientOS }
}

/// One reconstructed slice: the image and, for posterior sampling with several samples, the
/// pixel-wise standard deviation (uncertainty).
public struct ReconstructedSlice {
    public var image: ComplexArray
    public var uncertainty: RealArray?
    public init(image: ComplexArray, uncertainty: RealArray? = nil) { self.image = image; self.uncertainty = uncertainty }
}

/// Reconstructs several slices at once with the learned prior. `ambient-ml` installs one
/// (`ReconSettings.learnedReconstructor`); `ambient` hands learned methods to `ambient-ml`.
public protocol LearnedReconstructor {
    func reconstruct(_ slices: [ScanSlice], names: [String], progress: ((Int, Int) -> Void)?) throws -> [ReconstructedSlice]
}

/// Everything that decides a reconstruction; saved as recon_options.json beside the outputs.
public struct ReconSettings: Codable {
    public var method: ReconMethod
    public var lambda: Float?
    public var iterations: Int?
    public var espirit = ESPIRiTConfig()
    public var shard = Shard.all
    /// Learned methods: the model (diffusers, checkpoint or run folder), posterior samples per slice,
    /// likelihood step size ζ, slices per network batch.
    public var model: String?
    public var samples: Int = 1
    public var stepSize: Float?
    public var sliceBatch: Int = 8
    public var seed: UInt64 = 0
    /// What a prior trained with a mask channel sees at each step: "matched" (the training input,
    /// e.g. ÃᴴÃx_t with the further-corrupted mask) or "full" (x_t with an all-ones mask).
    public var priorInput: String = "matched"
    /// Fixed masks Ã per posterior sample that the ambient prior is averaged over.
    public var masksPerSample: Int = 1
    /// How those masks' estimates are combined: "average" or "selective" (`MaskCombination`).
    public var maskCombination: String = "average"
    /// Final projection onto the data: "none", "replace" or "cg".
    public var dataConsistency: String = "none"
    /// ambient-dps warm start: the classical method whose reconstruction (with `lambda`) the reverse
    /// diffusion starts from, noised to `startSigma` (network units; the zero-filled image's 99th
    /// percentile is 1). Nil: start from noise at the schedule's σ_max.
    public var warmStart: ReconMethod?
    public var startSigma: Float = 1
    /// ambient-dps in two stages: a plain prior (trained on clean images, e.g. the base model) that takes
    /// over below `handoverSigma`: the first stage's estimate is noised to that σ and A-DPS goes on with
    /// this prior for `lowNoiseSteps` steps (Ambient-Omni's split: corrupted data at high noise, clean
    /// data, even of another corpus, at low noise).
    public var lowNoiseModel: String?
    public var handoverSigma: Float = 0.2
    public var lowNoiseSteps: Int = 20

    public init(method: ReconMethod) { self.method = method }

    /// Builds the learned-prior reconstructor for these settings (set by `ambient-ml`).
    nonisolated(unsafe) public static var learnedReconstructor: ((ReconSettings) throws -> LearnedReconstructor)?

    /// Fills in coil maps by ESPIRiT where a slice has none and the method needs them.
    public func withMaps(_ slice: ScanSlice, subject: String) throws -> ScanSlice {
        guard slice.maps == nil && method.needsMaps else { return slice }
        var s = slice
        s.maps = try ESPIRiT.sensitivities(kspace: slice.kspace, config: espirit, subject: subject)
        return s
    }

    /// One slice → complex image [H, W] with a classical method. Zero-filled without maps is the
    /// root-sum-of-squares.
    public func reconstruct(_ slice: ScanSlice, subject: String) throws -> ComplexArray {
        let slice = try withMaps(slice, subject: subject)
        switch method {
        case .zeroFilled:
            return try zeroFilledRecon(kspace: slice.kspace, maps: slice.maps, mask: slice.mask)
        case .sense:
            var config = CGSenseConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.maxIterations = iterations }
            return try cgSenseRecon(kspace: slice.kspace, maps: slice.maps!, mask: slice.mask, config: config)
        case .l1Wavelet:
            var config = L1WaveletConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.iterations = iterations }
            return try l1WaveletRecon(kspace: slice.kspace, maps: slice.maps!, mask: slice.mask, config: config)
        case .tv:
            var config = TotalVariationConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.iterations = iterations }
            return try totalVariationRecon(kspace: slice.kspace, maps: slice.maps!, mask: slice.mask, config: config)
        case .ambientDPS, .ambientOS:
            throw AmbientError(.unsupported, subject, "\(method.rawValue) reconstructs slices in batches (reconstructSlices)")
        }
    }

    /// Slices → reconstructions, classical ones one by one, learned ones in one batch.
    public func reconstructSlices(_ slices: [ScanSlice], names: [String], learned: LearnedReconstructor?,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> [ReconstructedSlice] {
        let ready = try zip(slices, names).map { try withMaps($0, subject: $1) }
        if method.isLearned {
            guard let learned else { throw AmbientError(.unsupported, "", "\(method.rawValue) needs the learned prior (run through `ambient-ml`)") }
            return try learned.reconstruct(ready, names: names, progress: progress)
        }
        return try zip(ready, names).enumerated().map { i, pair in
            defer { progress?(i + 1, slices.count) }
            return ReconstructedSlice(image: try reconstruct(pair.0, subject: pair.1))
        }
    }
}

/// The centre `size` of an image [H, W] (fastMRI crops reconstructions to the recon matrix);
/// unchanged when it is already that size or smaller.
public func centreCrop(_ image: RealArray, to size: [Int]?) -> RealArray {
    guard let size, size.count == 2, image.rank == 2 else { return image }
    let h = image.shape[0], w = image.shape[1]
    let ch = min(h, size[0]), cw = min(w, size[1])
    if ch == h && cw == w { return image }
    let top = (h - ch) / 2, left = (w - cw) / 2
    return RealArray(shape: [ch, cw]) { i in image[flat: (top + i / cw) * w + left + i % cw] }
}
