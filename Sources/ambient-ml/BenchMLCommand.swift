import AmbientCLI
import AmbientCore
import AmbientTorch
import Foundation

/// `ambient bench-ml`: in-process network benchmarks that `make bench` prints beside PyTorch's.
enum BenchMLCommand: Command {
    static let name = "bench-ml"
    static let summary = MLCommands.summary(name)
    static let arguments = "unet"
    static let discussion = "unet: U-Net training throughput in images/s (forward + backward + AdamW) for --config (diffusers config.json)."
    static let options = [
        OptionSpec(nil, "config", value: "FILE", help: "diffusers config.json"),
        OptionSpec(nil, "batch", value: "N", default: "16", help: "batch size"),
        OptionSpec(nil, "steps", value: "N", default: "3", help: "timed steps"),
        OptionSpec(nil, "channels-last", help: "channels-last memory format"),
        CommonOptions.threads,
    ]

    static func run(_ args: ParsedArguments) throws {
        guard let what = args.positionals.first else { throw AmbientError(.badArgument, "", "say what to benchmark: unet") }
        switch what {
        case "unet":
            guard let path = args.string("config") else { throw AmbientError(.badArgument, "", "bench-ml unet needs --config FILE") }
            let config = try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            if let threads = try args.int("threads") { Torch.threads = threads }
            let rate = try benchmarkTrainStep(config: config, batch: try args.int("batch")!, steps: try args.int("steps")!,
                                              channelsLast: args.flag("channels-last"))
            print(String(format: "%.3f", rate))
        default:
            throw AmbientError(.badArgument, "", "unknown benchmark '\(what)' (unet)")
        }
    }
}
