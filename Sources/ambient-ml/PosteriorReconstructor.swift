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

    let sampler: PosteriorSampler
    let seeds: [UInt64]

    init(settings: ReconSettings) throws {
        guard let path = settings.model else { throw AmbientError(.badArgument, "", "--model is required") }
        let model = try TrainedModel.load(path)
        let denoiser = try EDMDenoiser(network: model.network, preconditioning: EDMPreconditioning(sigmaData: model.options.sigmaData))
        var config = PosteriorConfig()
        config.method = settings.method == .ambientOS ? .oneStep : .dps
        config.sampler.steps = settings.iterations ?? Self.defaultSteps
        if let zeta = settings.stepSize { config.stepSize = zeta }
        config.samples = settings.method == .ambientOS ? 1 : settings.samples
        config.batchSize = settings.sliceBatch * config.samples
        config.prior = model.options.networkInputChannels > 2 && settings.priorInput == "matched"
            ? try PriorInput.matching(model.options) : .plain
        sampler = try PosteriorSampler(denoiser: denoiser, config: config.validated())
        seeds = (0..<UInt64(config.samples)).map { settings.seed &+ $0 }
    }

    func reconstruct(_ slices: [ScanSlice], names: [String], progress: ((Int, Int) -> Void)?) throws -> [ReconstructedSlice] {
        let posteriorSlices = zip(slices, names).map { slice, name in
            PosteriorSlice(kspace: slice.kspace, maps: slice.maps!, mask: slice.mask, name: name)
        }
        return try sampler.reconstruct(slices: posteriorSlices, seeds: seeds, progress: progress).map {
            ReconstructedSlice(image: $0.mean, uncertainty: seeds.count > 1 ? $0.std : nil)
        }
    }
}
