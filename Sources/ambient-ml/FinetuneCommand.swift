import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientIO
import AmbientTorch
import Foundation

/// `ambient finetune`: adapt a base prior to a new site's corrupted scans.
enum FinetuneCommand: Command {
    static let name = "finetune"
    static let summary = MLCommands.summary(name)
    static let arguments = "--base <model> -o <run> <kspace-files…>"
    static let discussion = """
        Inputs: undersampled multi-coil k-space files or folders in the fastMRI layout (kspace, slice_masks or mask,
        sens_maps or ESPIRiT), for --corruption fourier (the default in protocols/training/finetune-brain64.json), or clean
        image files to be corrupted per image for --corruption image. --objective ambient (Ã = B·A, loss on A's
        samples only), naive (the corrupted data as if clean) or oracle (needs --targets with the complex truth).
        The base (a diffusers folder, checkpoint or run folder) is adapted to the objective's input channels so that
        it initially computes exactly what the base did (new mask channel zero-initialised).
        Ambient on k-space trains only at σ ≥ ambient_sigma_min (default 0.1: below it the lines Ã drops can only be
        predicted through a 1/σ-scaled output) and records the data's masks as prior_mask; `recon` and `sample` stop
        their schedules at that σ and draw the prior's fixed Ã like those masks (docs/results.md).
        """
    static let options = TrainingArguments.specs + [
        OptionSpec(nil, "base", value: "MODEL", help: "the pretrained model to start from"),
        OptionSpec(nil, "objective", value: "O", help: "ambient | naive | oracle"),
        OptionSpec(nil, "corruption", value: "C", help: "fourier | image"),
        OptionSpec(nil, "targets", value: "DIR", help: "truth files (same names) for --objective oracle"),
        OptionSpec(nil, "train-only", value: "PREFIXES", help: "train only parameters whose names start with these (comma-separated); freeze the rest"),
    ]

    static func run(_ args: ParsedArguments) throws {
        let inputs = try args.requirePositionals(["<kspace-files>"], atLeast: true)
        var defaults = TrainingOptions()
        defaults.corruption = .fourier
        defaults.learningRate = 5e-5
        var options = try TrainingArguments.options(args, defaults: defaults)
        if let o = args.string("objective") {
            guard let objective = Objective(rawValue: o) else { throw AmbientError(.badArgument, "", "--objective must be ambient, naive or oracle, got '\(o)'") }
            options.objective = objective
            options.maskChannel = nil
        }
        if let c = args.string("corruption") {
            guard let kind = CorruptionKind(rawValue: c) else { throw AmbientError(.badArgument, "", "--corruption must be fourier or image, got '\(c)'") }
            options.corruption = kind
        }
        if let prefixes = args.string("train-only") { options.trainOnlyPrefixes = prefixes.split(separator: ",").map(String.init) }
        options = try options.resolved()
        let run = try TrainingArguments.runDirectory(args)
        let dataset: TrainingDataset
        switch options.corruption {
        case .fourier:
            if options.objective == .oracle && args.string("targets") == nil {
                throw AmbientError(.badArgument, "", "--objective oracle needs --targets DIR with the complex truth")
            }
            dataset = try FastMRIKSpaceDataset(paths: try InputFiles.expand(inputs, extensions: ["h5", "hdf5"]),
                                               targetDirectory: args.string("targets"))
        case .image:
            dataset = try TrainingFolders.loadImages(inputs, progress: options.showProgress)
        }
        if let kspaceData = dataset as? FastMRIKSpaceDataset, options.objective == .ambient && options.priorMask == nil {
            options.priorMask = try describeMasks(kspaceData)
            if case let .cartesianRandom(r, _, acs)? = options.priorMask {
                note("training masks: random Cartesian lines, R ≈ \(String(format: "%.2f", r)), \(acs ?? 0) centre lines (posterior sampling draws the prior's Ã like these)")
            }
        }
        note("\(dataset.count) training slices of \(dataset.planeShape[0])×\(dataset.planeShape[1]); objective \(options.objective.rawValue), corruption \(options.corruption.rawValue)")
        try TrainingArguments.train({
            guard let base = args.string("base") else { throw AmbientError(.badArgument, "", "give the pretrained model with --base MODEL") }
            let (weights, _) = try TrainedModel.locate(base)
            let network = try ChannelAdaptation.loadBase(weights, inputChannels: options.networkInputChannels)
            note("base: \(weights.path) (\(network.parameterCount) parameters, \(network.config.inChannels) input channels)")
            return try Trainer(network: network, dataset: dataset, options: options, runDirectory: run)
        }, dataset: dataset, run: run, resume: args.flag("resume"), steps: try args.int("steps"))
    }

    /// The data's sampling masks as a spec, from up to 64 slices spread over the dataset (masks only: no
    /// k-space, maps or truth are read where the files store their masks).
    static func describeMasks(_ dataset: FastMRIKSpaceDataset) throws -> MaskSpec? {
        let count = min(dataset.count, 64)
        let masks = try (0..<count).map { try dataset.samplingMask(at: $0 * dataset.count / count) }
        return MaskSpec.cartesianDescription(of: masks)
    }
}
