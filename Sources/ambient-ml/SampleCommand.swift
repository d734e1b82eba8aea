import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientIO
import AmbientTorch
import Foundation

/// `ambient sample`: unconditional images from a trained prior.
enum SampleCommand: Command {
    static let name = "sample"
    static let summary = MLCommands.summary(name)
    static let arguments = "--model <model> -o <outdir>"
    static let discussion = """
        EDM sampling (Karras et al. 2022), deterministic Heun by default, stochastic with --churn. A prior trained with
        the Ambient objective is sampled with Ambient Diffusion's fixed-mask sampler: each image draws one further-
        corrupted mask Ã (at the training survival rate) from its seed and the network sees it at every step;
        --masks-per-image K averages the denoiser over K masks. Fourier-trained priors need --protocol for the
        sampling mask. Seeded per image (--seeds 0-63): the same seed always gives the same image.
        Writes <outdir>/samples.npy (complex [N, H, W]), samples.png (a grid) and sample_options.json.
        """
    static let options = [
        OptionSpec(nil, "model", value: "DIR", help: "trained prior (diffusers, checkpoint or run folder)"),
        CommonOptions.outputDir,
        OptionSpec(nil, "seeds", value: "LIST", default: "0-15", help: "image seeds, e.g. 0-63 or 1,5,9"),
        CommonOptions.iterations,
        OptionSpec(nil, "churn", value: "S", default: "0", help: "EDM S_churn (0: deterministic)"),
        OptionSpec(nil, "masks-per-image", value: "K", default: "1", help: "ambient priors: denoiser averaged over K masks"),
        CommonOptions.protocolFile,
        OptionSpec(nil, "size", value: "HxW", help: "image size (default: the model's sample_size)"),
        OptionSpec("b", "batch", value: "N", default: "16", help: "images per network call"),
        CommonOptions.threads,
        CommonOptions.quiet,
    ]

    static func run(_ args: ParsedArguments) throws {
        guard let modelPath = args.string("model"), let out = args.string("output") else {
            throw AmbientError(.badArgument, "", "give --model DIR and -o OUTDIR")
        }
        let model = try TrainedModel.load(modelPath)
        let seeds = try parseSeeds(args.string("seeds")!)
        let side = model.network.config.sampleSize ?? 64
        let (h, w) = try args.string("size").map { try MaskOptions.size($0, option: "size", command: name) } ?? (side, side)
        var config = SamplerConfig()
        if let steps = try args.int("iterations") { config.steps = steps }
        config.churn = try args.float("churn")!
        // Below its lowest training σ an ambient prior has never denoised: the schedule ends there.
        config.sigmaMin = max(config.sigmaMin, model.options.lowestTrainedSigma)
        config = try config.validated()
        var input = PriorInput.plain
        var maps: ComplexArray?
        if model.options.networkInputChannels > 2 {
            switch model.options.corruption {
            case .image:
                input = try PriorInput.matching(model.options)
            case .fourier:
                guard let protocolPath = args.string("protocol") else {
                    throw AmbientError(.badArgument, "", "this prior was trained on k-space: give --protocol for the sampling mask and coils")
                }
                let proto = try AcquisitionProtocol.load(protocolPath)
                input = try PriorInput.matching(model.options, fourierMask: proto.mask)
                maps = try Coils.birdcageSensitivities(coils: proto.coils, height: h, width: w)
            }
        }
        let denoiser = try model.denoiser()
        let sampler = try PriorSampler(denoiser: denoiser, config: config)
        let steps = StepProgress(label: "sample \(seeds.count) images", enabled: !args.flag("quiet"))
        let images = try sampler.generate(seeds: seeds, height: h, width: w, input: input,
                                          masksPerImage: try args.int("masks-per-image")!, maps: maps,
                                          batchSize: try args.int("batch")!, progress: steps.report)
        steps.finish()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try NPY.write(images, to: (out as NSString).appendingPathComponent("samples.npy"))
        let panels = (0..<min(seeds.count, 64)).map { ImagePanel(title: "seed \(seeds[$0])", image: images.slice($0).magnitude) }
        try Figures.writeGrid(panels, to: (out as NSString).appendingPathComponent("samples.png"), columns: 8)
        struct Record: Codable { var model: String; var seeds: [UInt64]; var sampler: SamplerConfig; var input: PriorInput; var masksPerImage: Int }
        try ConfigFile.save(Record(model: model.weights.path, seeds: seeds, sampler: config, input: input,
                                   masksPerImage: try args.int("masks-per-image")!),
                            to: (out as NSString).appendingPathComponent("sample_options.json"))
        note("samples: \(out)/samples.npy, grid: \(out)/samples.png")
    }
}
