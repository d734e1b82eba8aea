import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientTorch
import Foundation

/// `recon --method ambient-dps | ambient-os`: posterior sampling with a trained prior, installed
/// into `ReconSettings.learnedReconstructor` by this executable's main.
struct PosteriorReconstructor: LearnedReconstructor {
    /// EDM steps for ambient-dps when -i is not given (each one network call with its gradient).
    static let defaultSteps = 100
    /// … and with a warm start, which skips the high-noise part of the schedule.
    static let defaultWarmStartSteps = 30
    /// XOR-ed into the seeds of the low-noise stage.
    static let secondStageSeedMask: UInt64 = 0x9E37_79B9_7F4A_7C15

    let sampler: PosteriorSampler
    /// The second stage below the hand-over σ (`--low-noise-model`), nil for one stage.
    let lowNoiseSampler: PosteriorSampler?
    /// The classical reconstruction warm-started A-DPS begins from (nil: from noise).
    let warmStart: ReconSettings?
    let seeds: [UInt64]
    /// Image sides must be multiples of this (2^downsamplings of the U-Net).
    let sizeMultiple: Int

    init(settings: ReconSettings) throws {
        guard let path = settings.model else { throw AmbientError(.badArgument, "", "--model is required") }
        let model = try TrainedModel.load(path)
        let denoiser = try model.denoiser()
        var config = PosteriorConfig()
        config.method = settings.method == .ambientOS ? .oneStep : .dps
        config.sampler.steps = settings.iterations ?? (settings.warmStart == nil ? Self.defaultSteps : Self.defaultWarmStartSteps)
        if let zeta = settings.stepSize { config.stepSize = zeta }
        config.samples = settings.method == .ambientOS ? 1 : settings.samples
        config.batchSize = settings.sliceBatch * config.samples
        config.prior = model.options.networkInputChannels > 2 && settings.priorInput == "matched"
            ? try PriorInput.matching(model.options) : .plain
        config.masksPerSample = config.prior == .plain ? 1 : settings.masksPerSample
        config.maskCombination = MaskCombination(rawValue: settings.maskCombination) ?? .average
        config.dataConsistency = ["replace": .replaceSampled, "cg": .conjugateGradient(iterations: 5, weight: 0.1)][settings.dataConsistency] ?? .none
        // Below its lowest training σ an ambient prior has never denoised: the schedule ends there.
        let floor = model.options.lowestTrainedSigma
        config.sampler.sigmaMin = max(config.sampler.sigmaMin, floor)
        config.oneStepSigma = max(config.oneStepSigma, floor)
        if let method = settings.warmStart, config.method == .dps {
            var warm = ReconSettings(method: method)
            warm.lambda = settings.lambda
            warmStart = warm
            config.startSigma = settings.startSigma
        } else {
            warmStart = nil
        }
        sampler = try PosteriorSampler(denoiser: denoiser, config: config.validated())
        let lowNoise = try settings.lowNoiseModel.map { path in
            try Self.lowNoiseSampler(path: path, settings: settings, samples: config.samples, batchSize: config.batchSize,
                                     dataConsistency: config.dataConsistency)
        }
        lowNoiseSampler = lowNoise?.sampler
        // Both networks must take the padded grid.
        sizeMultiple = max(Self.sizeMultiple(of: model.network), lowNoise?.sizeMultiple ?? 1)
        seeds = (0..<UInt64(config.samples)).map { settings.seed &+ $0 }
    }

    /// A-DPS with a plain prior from `settings.handoverSigma` down, started at the first stage's estimate.
    static func lowNoiseSampler(path: String, settings: ReconSettings, samples: Int, batchSize: Int,
                                dataConsistency: DataConsistencyProjection) throws -> (sampler: PosteriorSampler, sizeMultiple: Int) {
        let model = try TrainedModel.load(path)
        guard model.options.objective != .ambient else {
            throw AmbientError(.badArgument, path, "--low-noise-model needs a prior trained on whole images (the base model, an oracle or naive run), not an ambient one: those are not trained at low noise")
        }
        var config = PosteriorConfig()
        config.method = .dps
        config.sampler.steps = settings.lowNoiseSteps  // a plain prior has no σ floor: the schedule keeps EDM's end
        if let zeta = settings.stepSize { config.stepSize = zeta }
        config.samples = samples
        config.batchSize = batchSize
        config.prior = .plain
        config.dataConsistency = dataConsistency
        config.startSigma = settings.handoverSigma
        return (try PosteriorSampler(denoiser: model.denoiser(), config: config.validated()), sizeMultiple(of: model.network))
    }

    /// 2^(downsamplings) of a U-Net: its input sides must be multiples of this.
    static func sizeMultiple(of network: UNet2DModel) -> Int { 1 << max(0, network.config.blockOutChannels.count - 1) }

    func reconstruct(_ slices: [ScanSlice], names: [String], progress: ((Int, Int) -> Void)?) throws -> [ReconstructedSlice] {
        let posteriorSlices = try zip(slices, names).map { slice, name in
            padded(PosteriorSlice(kspace: slice.kspace, maps: slice.maps!, mask: slice.mask, name: name,
                                  initial: try warmStart?.reconstruct(slice, subject: name)))
        }
        var results = try sampler.reconstruct(slices: posteriorSlices, seeds: seeds, progress: progress)
        if let lowNoiseSampler {
            // The first stage's mean (same units and grid as the data) is the second stage's warm start.
            let handedOver = zip(posteriorSlices, results).map { s, r in
                PosteriorSlice(kspace: s.kspace, maps: s.maps, mask: s.mask, name: s.name, initial: r.mean)
            }
            // Seeds of their own: the second stage's noise must not repeat the first stage's.
            results = try lowNoiseSampler.reconstruct(slices: handedOver, seeds: seeds.map { $0 ^ Self.secondStageSeedMask }, progress: nil)
        }
        return zip(slices, results).map { slice, r in
            let plane = Array(slice.kspace.shape.suffix(2))
            return ReconstructedSlice(image: Simulation.resizeInKSpace(r.mean, to: plane),
                                      uncertainty: seeds.count > 1 ? r.std.map { Simulation.resizeInKSpace($0.complex, to: plane).magnitude } : nil)
        }
    }

    /// The same acquisition on a k-space grid whose sides are multiples of `sizeMultiple` (the U-Net's
    /// requirement): k-space and mask zero-padded around the centre (the new samples are unmeasured),
    /// maps band-limited-resampled to the finer image grid, k-space scaled as `resizeInKSpace` scales
    /// images (`resizedKSpace`) so that A'x' = y' holds for the resampled image. Results are resized back.
    func padded(_ slice: PosteriorSlice) -> PosteriorSlice {
        let h = slice.kspace.shape[1], w = slice.kspace.shape[2]
        let m = sizeMultiple
        let ph = (h + m - 1) / m * m, pw = (w + m - 1) / m * m
        guard ph != h || pw != w else { return slice }
        let kspace = Simulation.resizedKSpace(slice.kspace, to: [ph, pw])
        let mask = Simulation.recentred(slice.mask.complex, to: [ph, pw]).magnitude
        return PosteriorSlice(kspace: kspace, maps: Simulation.resizeInKSpace(slice.maps, to: [ph, pw]), mask: mask, name: slice.name,
                              initial: slice.initial.map { Simulation.resizeInKSpace($0, to: [ph, pw]) })
    }
}
