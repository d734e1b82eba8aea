import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientTorch
import Foundation

/// `ambient pretrain`: a base prior on clean complex images (plain EDM denoising objective).
enum PretrainCommand: Command {
    static let name = "pretrain"
    static let summary = MLCommands.summary(name)
    static let arguments = "-o <run> <clean-images…>"
    static let discussion = """
        Inputs: target files or folders with complex `image` datasets (what `ambient simulate --targets-only` writes,
        e.g. corpus/base/target). The network is a diffusers UNet2DModel (--unet config.json, default
        protocols/training/unet-base64.json) with 2 input channels (real, imaginary). The run folder gets training_log.jsonl,
        loss_curve.png, training_options.json, checkpoints/step-N/ (weights, EMA, optimizer, RNG state; --resume
        continues exactly) and model/ (the EMA weights, a diffusers folder that `finetune --base` takes).
        """
    static let options = TrainingArguments.specs + [
        OptionSpec(nil, "unet", value: "FILE", help: "diffusers UNet2DModel config.json for a fresh network"),
        OptionSpec(nil, "oversample", value: "NAME=K", help: "repeat the slices of files whose name contains NAME K times (comma-separated)"),
    ]

    static func run(_ args: ParsedArguments) throws {
        let inputs = try args.requirePositionals(["<clean-images>"], atLeast: true)
        var defaults = TrainingOptions()
        defaults.objective = .oracle
        defaults.corruption = .image
        defaults.maskChannel = false
        let options = try TrainingArguments.options(args, defaults: defaults)
        guard options.objective == .oracle, options.networkInputChannels == 2 else {
            throw AmbientError(.badArgument, "", "pretrain trains on clean images: objective must be oracle without a mask channel (use finetune for corrupted data)")
        }
        let run = try TrainingArguments.runDirectory(args)
        var oversample: [String: Int] = [:]
        for item in (args.string("oversample") ?? "").split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let k = Int(parts[1]), k >= 1 else {
                throw AmbientError(.badArgument, "", "--oversample expects NAME=K[,NAME=K], got '\(item)'")
            }
            oversample[String(parts[0])] = k
        }
        let dataset = try TrainingFolders.loadImages(inputs, oversample: oversample, progress: options.showProgress)
        note("\(dataset.count) training images of \(dataset.planeShape[0])×\(dataset.planeShape[1])")
        let unetPath = args.string("unet") ?? "protocols/training/unet-base64.json"
        try TrainingArguments.train({
            var config = try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: unetPath)))
            config.inChannels = 2
            config.outChannels = 2
            let network = try UNet2DModel(config: config, seed: options.seed)
            note("U-Net: \(network.parameterCount) parameters (\(unetPath))")
            return try Trainer(network: network, dataset: dataset, options: options, runDirectory: run)
        }, dataset: dataset, run: run, resume: args.flag("resume"), steps: try args.int("steps"))
    }
}
