import AmbientCore

/// How a posterior sampler turns k-space into images.
public enum PosteriorMethod: String, Codable, Sendable, CaseIterable {
    /// Ambient Diffusion Posterior Sampling (A-DPS; DPS of Chung et al. 2023 with the ambient prior):
    /// EDM steps, each followed by the likelihood step x ← x − ζ/‖y − A D(x)‖ · ∇_x ‖y − A D(x)‖²,
    /// the gradient taken through the network.
    case dps
    /// Ambient One-Step (A-OS): a single network call D(Aᴴy; σ small) with the sampling mask as the
    /// mask channel. Deterministic: one result per slice, no uncertainty map.
    case oneStep = "one_step"
}

/// Every setting of posterior sampling. Defaults follow the A-DPS reference runs (Aali et al. 2025,
/// utcsilab/ambient-diffusion-mri solve_inverse_adps.sh): 500 Euler steps from σ = 10 to 0.004,
/// ρ = 7, no churn, ζ = 1. JSON keys are snake_case; missing keys take the defaults.
public struct PosteriorConfig: Codable, Equatable, Sendable {
    public var method: PosteriorMethod = .dps
    public var sampler = SamplerConfig(steps: 500, sigmaMin: 0.004, sigmaMax: 10, solver: .euler)
    /// ζ, the normalised likelihood step size.
    public var stepSize: Float = 1
    /// Posterior samples per slice when no seeds are given (seeds 0..<samples).
    public var samples: Int = 1
    /// How the network sees its input (must match training; `PriorInput.matching`).
    public var prior: PriorInput = .plain
    /// Fixed masks per sample that the denoiser is averaged over (ambient priors only).
    public var masksPerSample: Int = 1
    /// How the estimates of those masks are combined.
    public var maskCombination: MaskCombination = .average
    /// σ of the one-step estimate.
    public var oneStepSigma: Float = 0.003
    public var dataConsistency: DataConsistencyProjection = .none
    /// Images per network call (samples of several slices share calls).
    public var batchSize: Int = 16
    /// Percentile of |Aᴴy| that is scaled to 1 before sampling (docs/conventions.md).
    public var scalePercentile: Double = 0.99
    /// Whether results keep every sample (else only mean and std).
    public var keepSamples: Bool = false
    /// A-DPS warm start (Chung et al. 2022, CCDF): when set, each sample starts from its slice's
    /// `initial` estimate plus noise of this σ (network units) and the schedule runs from here
    /// instead of `sampler.sigma_max`.
    public var startSigma: Float?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case method, sampler, samples, prior
        case stepSize = "step_size", masksPerSample = "masks_per_sample", maskCombination = "mask_combination"
        case oneStepSigma = "one_step_sigma"
        case dataConsistency = "data_consistency", batchSize = "batch_size", scalePercentile = "scale_percentile"
        case keepSamples = "keep_samples", startSigma = "start_sigma"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PosteriorConfig()
        method = try c.decodeIfPresent(PosteriorMethod.self, forKey: .method) ?? d.method
        sampler = try c.decodeIfPresent(SamplerConfig.self, forKey: .sampler) ?? d.sampler
        stepSize = try c.decodeIfPresent(Float.self, forKey: .stepSize) ?? d.stepSize
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        prior = try c.decodeIfPresent(PriorInput.self, forKey: .prior) ?? d.prior
        masksPerSample = try c.decodeIfPresent(Int.self, forKey: .masksPerSample) ?? d.masksPerSample
        maskCombination = try c.decodeIfPresent(MaskCombination.self, forKey: .maskCombination) ?? d.maskCombination
        oneStepSigma = try c.decodeIfPresent(Float.self, forKey: .oneStepSigma) ?? d.oneStepSigma
        dataConsistency = try c.decodeIfPresent(DataConsistencyProjection.self, forKey: .dataConsistency) ?? d.dataConsistency
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        scalePercentile = try c.decodeIfPresent(Double.self, forKey: .scalePercentile) ?? d.scalePercentile
        keepSamples = try c.decodeIfPresent(Bool.self, forKey: .keepSamples) ?? d.keepSamples
        startSigma = try c.decodeIfPresent(Float.self, forKey: .startSigma)
    }

    /// Checks the settings; errors name the JSON key.
    public func validated() throws -> PosteriorConfig {
        func bad(_ key: String, _ message: String) -> AmbientError { AmbientError(.badArgument, key, message) }
        _ = try sampler.validated()
        guard stepSize >= 0, stepSize.isFinite else { throw bad("step_size", "must be ≥ 0, got \(stepSize)") }
        guard samples >= 1 else { throw bad("samples", "must be ≥ 1, got \(samples)") }
        guard masksPerSample >= 1 else { throw bad("masks_per_sample", "must be ≥ 1, got \(masksPerSample)") }
        if prior == .plain && masksPerSample > 1 { throw bad("masks_per_sample", "averaging over masks needs an ambient prior") }
        guard oneStepSigma > 0, oneStepSigma.isFinite else { throw bad("one_step_sigma", "must be positive, got \(oneStepSigma)") }
        guard batchSize >= 1 else { throw bad("batch_size", "must be ≥ 1, got \(batchSize)") }
        guard scalePercentile > 0, scalePercentile <= 1 else { throw bad("scale_percentile", "must lie in (0, 1], got \(scalePercentile)") }
        try dataConsistency.validate()
        if let startSigma {
            guard startSigma.isFinite, startSigma > sampler.sigmaMin else {
                throw bad("start_sigma", "must be finite and above sampler.sigma_min (\(sampler.sigmaMin)), got \(startSigma)")
            }
        }
        return self
    }
}

/// One slice to reconstruct, in the units it was acquired in.
public struct PosteriorSlice: Sendable {
    /// Measured k-space y [C, H, W] (entries outside the mask are ignored).
    public var kspace: ComplexArray
    /// Coil sensitivities [C, H, W].
    public var maps: ComplexArray
    /// Sampling mask [H, W], 1 = sampled.
    public var mask: RealArray
    /// Names the slice in errors and seeds its noise (e.g. "file.h5/12"), so a slice's samples do not
    /// depend on which other slices run with it.
    public var name: String
    /// An estimate of the image [H, W] in the k-space's units (e.g. a classical reconstruction), where
    /// warm-started A-DPS (`PosteriorConfig.startSigma`) begins.
    public var initial: ComplexArray?

    public init(kspace: ComplexArray, maps: ComplexArray, mask: RealArray, name: String, initial: ComplexArray? = nil) {
        self.kspace = kspace
        self.maps = maps
        self.mask = mask
        self.name = name
        self.initial = initial
    }

    public var height: Int { kspace.shape.count == 3 ? kspace.shape[1] : 0 }
    public var width: Int { kspace.shape.count == 3 ? kspace.shape[2] : 0 }

    func validate() throws {
        let subject = name.isEmpty ? "slice" : name
        guard kspace.rank == 3, kspace.shape[0] >= 1 else {
            throw AmbientError(.badShape, subject, "k-space must be [coils, H, W], got \(kspace.shape)")
        }
        guard maps.shape == kspace.shape else {
            throw AmbientError(.badShape, subject, "coil maps must match the k-space shape \(kspace.shape), got \(maps.shape)")
        }
        guard mask.shape == Array(kspace.shape.suffix(2)) else {
            throw AmbientError(.badShape, subject, "mask must be \(Array(kspace.shape.suffix(2))), got \(mask.shape)")
        }
        try kspace.requireFinite(subject, what: "k-space")
        try maps.requireFinite(subject, what: "coil maps")
        try mask.requireFinite(subject, what: "mask")
        if let initial {
            guard initial.shape == mask.shape else {
                throw AmbientError(.badShape, subject, "the initial image must be \(mask.shape), got \(initial.shape)")
            }
            try initial.requireFinite(subject, what: "initial image")
        }
    }
}

/// The reconstruction of one slice, in the slice's own units.
public struct PosteriorResult: Sendable {
    /// Mean of the posterior samples [H, W].
    public var mean: ComplexArray
    /// Pixel-wise standard deviation √(mean_j |x_j − mean|²) over the samples [H, W] (nil for one sample).
    public var std: RealArray?
    /// Every sample [S, H, W] when `keepSamples`.
    public var samples: ComplexArray?
    /// The factor the slice was divided by for the network (`zeroFilledScale`).
    public var scale: Float
}
