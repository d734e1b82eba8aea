import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientTorch
import Foundation

/// `ambient bench-ml`: in-process network benchmarks that `make bench` prints beside PyTorch's.
enum BenchMLCommand: Command {
    static let name = "bench-ml"
    static let summary = MLCommands.summary(name)
    static let arguments = "unet | finetune | dps"
    static let discussion = """
        unet:     U-Net training throughput in images/s (forward + backward + AdamW) for --config (diffusers config.json).
        finetune: Fourier Ambient fine-tuning steps/s (8 coils by default) and the time split per step, as JSON.
        dps:      seconds per slice of A-DPS posterior sampling (--slices slices, --steps network evaluations).
        """
    static let options = [
        OptionSpec(nil, "config", value: "FILE", help: "diffusers config.json"),
        OptionSpec(nil, "batch", value: "N", default: "16", help: "batch size"),
        OptionSpec(nil, "steps", value: "N", default: "3", help: "timed steps"),
        OptionSpec(nil, "channels-last", help: "channels-last memory format"),
        OptionSpec(nil, "flops", help: "unet: print the forward GFLOPs per image instead of timing"),
        OptionSpec(nil, "coils", value: "N", default: "8", help: "finetune, dps: simulated coils"),
        OptionSpec(nil, "slices", value: "N", default: "8", help: "dps: slices sampled together"),
        CommonOptions.threads,
    ]

    static func run(_ args: ParsedArguments) throws {
        guard let what = args.positionals.first else { throw AmbientError(.badArgument, "", "say what to benchmark: unet") }
        switch what {
        case "unet":
            let config = try loadConfig(args)
            if args.flag("flops") {
                let size = config.sampleSize ?? 64
                let model = try UNet2DModel(config: config)
                let x = try Tensor.zeros([1, config.inChannels, size, size])
                let flops = try FLOPCounter.count { _ = try withNoGrad { try model(x, timestep: 1) } }
                print(String(format: "%.4f", flops / 1e9))
                return
            }
            let rate = try benchmarkTrainStep(config: config, batch: try args.int("batch")!, steps: try args.int("steps")!,
                                              channelsLast: args.flag("channels-last"))
            print(String(format: "%.3f", rate))
        case "finetune":
            let config = try loadConfig(args)
            let result = try benchmarkFineTuneSteps(config: config, batch: try args.int("batch")!, coils: try args.int("coils")!,
                                                    steps: try args.int("steps")!)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        case "dps":
            let seconds = try benchmarkPosteriorSampling(config: try loadConfig(args), slices: try args.int("slices")!,
                                                         steps: try args.int("steps")!, coils: try args.int("coils")!)
            print(String(format: "%.4f", seconds))
        default:
            throw AmbientError(.badArgument, "", "unknown benchmark '\(what)' (unet, finetune, dps)")
        }
    }

    static func loadConfig(_ args: ParsedArguments) throws -> UNet2DConfig {
        guard let path = args.string("config") else { throw AmbientError(.badArgument, "", "bench-ml needs --config FILE (a diffusers config.json)") }
        do {
            return try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw AmbientError(.badFormat, path, "not a U-Net config: \(error)")
        }
    }
}
